#include "daemon/persistence.h"

#include <cerrno>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <string_view>

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include "analysis/verdict_snapshot.h"
#include "base/fd.h"
#include "base/text.h"
#include "procfs/pid_stat.h"
#include "store/series_snapshot.h"
#include "store/snapshot_file.h"

namespace lw::daemon {

namespace {

constexpr const char* kFileName = "history.snap";
// Far above any real snapshot (2,000 processes x 6 h is about 7 MiB), but bounded: a huge file in
// the state directory must not exhaust memory at start.
constexpr std::size_t kMaxSnapshotBytes = std::size_t{1} << 30;
constexpr auto kWarnPeriod = std::chrono::hours(1);

std::int64_t ms_since_epoch(auto time_point) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(time_point.time_since_epoch())
      .count();
}

double ms_between(Persistence::Clock::time_point a, Persistence::Clock::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

// mkdir -p with mode 0750 for the directories it creates (systemd's StateDirectory= normally
// exists already; this covers a hand-started daemon).
Status make_dirs(const std::string& dir) {
  for (std::size_t pos = 1; pos <= dir.size(); ++pos) {
    if (pos != dir.size() && dir[pos] != '/') {
      continue;
    }
    const std::string prefix = dir.substr(0, pos);
    if (::mkdir(prefix.c_str(), 0750) != 0 && errno != EEXIST) {
      Error e = error_from_errno(errno, "mkdir " + prefix);
      e.kind = ErrorKind::kIo;
      return e;
    }
  }
  return Ok{};
}

// /proc/sys/kernel/random/boot_id: a new random UUID at every boot. "" when unreadable.
std::string read_boot_id(const std::string& procfs) {
  std::string buf;
  const std::string path = procfs + "/sys/kernel/random/boot_id";
  auto text = read_all_at(AT_FDCWD, path.c_str(), buf, 256);
  return text ? std::string(text::trim(*text)) : std::string();
}

// systemd's machine id (machine-id(5)); "" when neither file is readable.
std::string read_machine_id() {
  std::string buf;
  for (const char* path : {"/etc/machine-id", "/var/lib/dbus/machine-id"}) {
    auto text = read_all_at(AT_FDCWD, path, buf, 256);
    if (text && !text::trim(*text).empty()) {
      return std::string(text::trim(*text));
    }
  }
  return {};
}

// The reason label of a failed write, from its errno text (lw::Error keeps the text, not errno).
std::string save_reason(std::string_view detail) {
  const auto has = [detail](std::string_view s) { return detail.find(s) != std::string::npos; };
  if (has("Read-only file system")) {
    return "read_only";
  }
  if (has("No space left") || has("Disk quota")) {
    return "no_space";
  }
  if (has("No such file") || has("Not a directory")) {
    return "missing";
  }
  if (has("Permission denied") || has("Operation not permitted")) {
    return "denied";
  }
  return "io";
}

// The reason label of a discarded snapshot, from restore_store()'s detail.
std::string discard_reason(std::string_view detail) {
  const auto has = [detail](std::string_view s) { return detail.find(s) != std::string::npos; };
  if (has(store::kForeignMachineDetail)) {
    return "foreign_machine";
  }
  if (has("foreign version")) {
    return "version";
  }
  if (has("truncated")) {
    return "truncated";
  }
  return "corrupt";
}

// Removes the temp files of writes that never finished (a daemon killed mid-write leaves
// history.snap.tmp.<pid>, as large as a snapshot): without this, every such crash would leave
// one more in the state directory. Returns how many were removed.
std::size_t remove_stale_temp_files(const std::string& dir) {
  const std::string prefix = std::string(kFileName) + ".tmp.";
  std::error_code ec;
  std::size_t removed = 0;
  for (std::filesystem::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.starts_with(prefix) && ::unlink(it->path().c_str()) == 0) {
      ++removed;
    }
  }
  return removed;
}

// Whether the process (pid, starttime) exists now: its stat parses and has that start time, and
// it is not a zombie (whose memory readings are gone).
bool still_running(const std::string& procfs, const model::ProcessId& id, std::string& buf) {
  const std::string dir = procfs + "/" + std::to_string(id.pid);
  auto fd = open_at(AT_FDCWD, dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (!fd) {
    return false;
  }
  const auto stat = read_parsed(fd->get(), "stat", buf, procfs::parse_pid_stat);
  return stat && stat->start_time_ticks == id.start_ticks && stat->state != 'Z' &&
         stat->state != 'X';
}

// The step of an AtomicFile error ("create", "write", "fsync", "close", "rename"),
// or "directory" for the final directory sync.
std::string failure_kind(std::string_view detail) {
  const std::string_view first = detail.substr(0, detail.find(' '));
  for (const std::string_view k : {"create", "write", "fsync", "close", "rename", "mkdir"}) {
    if (first == k) {
      return std::string(k);
    }
  }
  return "directory";
}

}  // namespace

Persistence::Persistence(const config::Config& cfg)
    : state_dir_(cfg.paths.state_dir),
      path_(cfg.paths.state_dir + "/" + kFileName),
      procfs_(cfg.paths.procfs),
      boot_id_(read_boot_id(cfg.paths.procfs)),
      machine_id_(read_machine_id()),
      last_save_(Clock::now()) {
  for (const char* r : {"read_only", "no_space", "missing", "denied", "memory", "io"}) {
    save_failures_[r] = 0;
  }
  for (const char* r : {"unreadable", "corrupt", "truncated", "version", "foreign_machine"}) {
    restore_discarded_[r] = 0;
  }
}

void Persistence::restore(store::SeriesStore& history, analysis::VerdictState& verdicts) {
  const auto t0 = Clock::now();
  if (const std::size_t stale = remove_stale_temp_files(state_dir_); stale > 0) {
    spdlog::info("removed {} unfinished snapshot temp file(s) from {} (a write was interrupted)",
                 stale, state_dir_);
  }
  auto bytes = store::read_file(path_, kMaxSnapshotBytes);
  if (!bytes) {
    if (bytes.error().kind != ErrorKind::kGone) {  // missing: first start, nothing to say
      spdlog::warn("cannot read snapshot {}: {}; starting with an empty history", path_,
                   bytes.error().detail);
      ++restore_discarded_["unreadable"];
    }
    return;
  }
  std::string buf;
  const auto running = [this, &buf](const model::ProcessId& id) {
    return still_running(procfs_, id, buf);
  };
  std::string annotations;
  const Status st = store::restore_store(history, *bytes, ms_since_epoch(Clock::now()),
                                         ms_since_epoch(std::chrono::system_clock::now()), running,
                                         boot_id_, &annotations, machine_id_);
  if (!st) {
    ++restore_discarded_[discard_reason(st.error().detail)];
    const std::string aside = path_ + ".discarded";
    const bool moved = ::rename(path_.c_str(), aside.c_str()) == 0;
    spdlog::warn("discarding snapshot {}: {}; {}; starting with an empty history", path_,
                 st.error().detail, moved ? "moved aside to " + aside : "left in place");
    return;
  }
  if (const Status vs = analysis::restore_verdicts(verdicts, annotations, history); !vs) {
    spdlog::warn("snapshot {}: verdicts discarded ({}); the history is kept", path_,
                 vs.error().detail);
  }
  std::size_t alive = 0;
  for (const auto& [id, e] : history.processes()) {
    alive += e.alive ? 1 : 0;
  }
  spdlog::info(
      "restored history: {} processes, {} cgroups, {} scans ({} processes still running) from {} "
      "in {:.0f} ms",
      history.processes().size(), history.cgroups().size(), history.times().size(), alive, path_,
      ms_between(t0, Clock::now()));
}

void Persistence::maybe_save(const store::SeriesStore& history,
                             const analysis::VerdictState& verdicts,
                             std::chrono::milliseconds interval) {
  if (interval.count() <= 0 || Clock::now() - last_save_ < interval) {
    return;
  }
  // The next attempt is an interval later whether or not this one worked: no retry storm.
  last_save_ = Clock::now();
  (void)write(history, verdicts, false);
}

void Persistence::save_at_shutdown(const store::SeriesStore& history,
                                   const analysis::VerdictState& verdicts) {
  (void)write(history, verdicts, true);
}

bool Persistence::write(const store::SeriesStore& history, const analysis::VerdictState& verdicts,
                        bool shutdown) {
  const auto t0 = Clock::now();
  if (const Status dir = make_dirs(state_dir_); !dir) {
    ++save_failures_[save_reason(dir.error().detail)];
    report_failure("mkdir", dir.error().detail, shutdown);
    return false;
  }
  Result<std::uint64_t> written = std::uint64_t{0};
  try {
    written = store::save_store(path_, history, boot_id_, analysis::serialize_verdicts(verdicts),
                                machine_id_);
  } catch (const std::exception& e) {  // bad_alloc: the one thing that can throw here
    ++save_failures_["memory"];
    report_failure("serialize", e.what(), shutdown);
    return false;
  }
  if (!written) {
    ++save_failures_[save_reason(written.error().detail)];
    report_failure(failure_kind(written.error().detail), written.error().detail, shutdown);
    return false;
  }
  const double took = ms_between(t0, Clock::now());
  if (failures_ > 0) {
    spdlog::info("history snapshot {} written again after {} failed attempts", path_, failures_);
    failures_ = 0;
    last_warned_.clear();
  }
  if (shutdown) {
    spdlog::info("saved history snapshot {}: {} KiB, {} processes, {} scans, in {:.0f} ms", path_,
                 *written / 1024, history.processes().size(), history.times().size(), took);
  } else {
    spdlog::debug("saved history snapshot {}: {} KiB in {:.0f} ms", path_, *written / 1024, took);
  }
  return true;
}

void Persistence::report_failure(const std::string& kind, const std::string& detail,
                                 bool shutdown) {
  ++failures_;
  const auto now = Clock::now();
  const auto it = last_warned_.find(kind);
  if (!shutdown && it != last_warned_.end() && now - it->second < kWarnPeriod) {
    return;
  }
  last_warned_[kind] = now;
  spdlog::warn("cannot save history snapshot {}: {}{}", path_, detail,
               shutdown ? "; the previous snapshot, if any, stays" : "; carrying on");
}

}  // namespace lw::daemon
