#include "store/series_snapshot.h"

#include <algorithm>
#include <array>
#include <bit>
#include <limits>
#include <map>
#include <optional>
#include <unordered_map>
#include <utility>
#include <vector>

#include "base/text.h"
#include "store/payload.h"
#include "store/snapshot_file.h"
#include "store/varint.h"

namespace lw::store {

namespace {

constexpr std::uint64_t kIncluded = 1;
constexpr std::uint64_t kSmapsForced = 2;
constexpr std::uint64_t kAlive = 4;
constexpr std::uint64_t kKnownFlags = 7;

// Deltas and shifts use wrapping arithmetic: a corrupt (but CRC-valid) file must not be UB.
std::int64_t wrapping_add(std::int64_t a, std::int64_t b) {
  return static_cast<std::int64_t>(static_cast<std::uint64_t>(a) + static_cast<std::uint64_t>(b));
}
std::int64_t wrapping_sub(std::int64_t a, std::int64_t b) {
  return static_cast<std::int64_t>(static_cast<std::uint64_t>(a) - static_cast<std::uint64_t>(b));
}

// --- writing

void put_sample(std::string& out, const model::ProcessSample& p) {
  varint::put_i64(out, p.ppid);
  varint::put_u64(out, static_cast<unsigned char>(p.state));
  varint::put_bytes(out, p.comm);
  put_opt(out, p.uid);
  varint::put_u64(out, p.cpu_ticks);
  put_f64(out, p.start_time_seconds);
  for (const auto* v : {&p.rss_bytes, &p.anon_bytes, &p.file_bytes, &p.shmem_bytes, &p.swap_bytes,
                        &p.vsize_bytes, &p.open_fds, &p.max_fds}) {
    put_opt(out, *v);
  }
  varint::put_bytes(out, p.cgroup);
  varint::put_bytes(out, p.unit);
}

// The fields of SmapsRollup, in declaration order (the payload's order).
template <typename Smaps>
auto smaps_fields(Smaps& s) {
  return std::array{&s.rss_bytes,           &s.pss_bytes,
                    &s.pss_anon_bytes,      &s.pss_file_bytes,
                    &s.pss_shmem_bytes,     &s.private_clean_bytes,
                    &s.private_dirty_bytes, &s.swap_bytes,
                    &s.swap_pss_bytes,      &s.anon_huge_pages_bytes};
}

// The optional u64 fields of CgroupSample in the payload's order (the four headroom terms last).
template <typename Sample>
auto cgroup_fields(Sample& c) {
  return std::array{&c.usage_bytes,
                    &c.anon_bytes,
                    &c.file_bytes,
                    &c.shmem_bytes,
                    &c.kernel_bytes,
                    &c.sock_bytes,
                    &c.anon_thp_bytes,
                    &c.inactive_file_bytes,
                    &c.swap_bytes,
                    &c.limit_bytes,
                    &c.high_bytes,
                    &c.swap_limit_bytes,
                    &c.oom_events,
                    &c.oom_kill_events,
                    &c.failcnt,
                    &c.active_file_bytes,
                    &c.slab_reclaimable_bytes,
                    &c.dirty_bytes,
                    &c.writeback_bytes};
}

void put_process(std::string& out, const ProcessSeries& e) {
  varint::put_i64(out, e.id.pid);
  varint::put_u64(out, e.id.start_ticks);
  varint::put_bytes(out, e.labels.comm);
  varint::put_bytes(out, e.labels.group);
  varint::put_bytes(out, e.labels.cgroup);
  varint::put_bytes(out, e.labels.unit);
  varint::put_u64(out, (e.labels.included ? kIncluded : 0) |
                           (e.labels.smaps_forced ? kSmapsForced : 0) | (e.alive ? kAlive : 0));
  varint::put_u64(out, e.first_seq);
  varint::put_u64(out, e.last_seen_seq);
  varint::put_i64(out, e.died_steady_ms);
  put_sample(out, e.last);
  varint::put_u64(out, e.smaps ? 1 : 0);
  if (e.smaps) {
    for (const auto* f : smaps_fields(*e.smaps)) {
      put_opt(out, *f);
    }
    varint::put_i64(out, e.smaps_wall_ms);
  }
  e.series.serialize(out);
}

void put_pressure_line(std::string& out, const std::optional<procfs::PressureLine>& line) {
  varint::put_u64(out, line ? 1 : 0);
  if (line) {
    put_f64(out, line->avg10);
    put_f64(out, line->avg60);
    put_f64(out, line->avg300);
    varint::put_u64(out, line->total_us);
  }
}

void put_cgroup(std::string& out, const std::string& key, const CgroupSeries& e) {
  const model::CgroupSample& c = e.last;
  varint::put_bytes(out, key);
  varint::put_bytes(out, c.path);
  varint::put_bytes(out, c.unit);
  varint::put_u64(out, c.inode);
  varint::put_u64(out, c.version == model::CgroupVersion::kV2 ? 1 : 0);
  for (const auto* f : cgroup_fields(c)) {
    put_opt(out, *f);
  }
  varint::put_u64(out, c.pressure ? 1 : 0);
  if (c.pressure) {
    put_pressure_line(out, c.pressure->some);
    put_pressure_line(out, c.pressure->full);
  }
  varint::put_u64(out, c.processes);
  e.series.serialize(out);
  varint::put_u64(out, e.last_seen_seq);
  varint::put_u64(out, e.present ? 1 : 0);
}

// --- reading

model::ProcessSample read_sample(PayloadReader& r, const model::ProcessId& id) {
  model::ProcessSample p;
  p.id = id;
  const std::int64_t ppid = r.i64();
  if (ppid < std::numeric_limits<std::int32_t>::min() ||
      ppid > std::numeric_limits<std::int32_t>::max()) {
    r.fail("ppid out of range");
  }
  p.ppid = static_cast<std::int32_t>(ppid);
  p.state = static_cast<char>(static_cast<unsigned char>(r.bounded(255)));
  p.comm = std::string(r.bytes());
  const auto uid = r.opt();
  if (uid && *uid > std::numeric_limits<std::uint32_t>::max()) {
    r.fail("uid out of range");
  } else if (uid) {
    p.uid = static_cast<std::uint32_t>(*uid);
  }
  p.cpu_ticks = r.u64();
  p.start_time_seconds = r.f64();
  for (auto* v : {&p.rss_bytes, &p.anon_bytes, &p.file_bytes, &p.shmem_bytes, &p.swap_bytes,
                  &p.vsize_bytes, &p.open_fds, &p.max_fds}) {
    *v = r.opt();
  }
  p.cgroup = std::string(r.bytes());
  p.unit = std::string(r.bytes());
  return p;
}

ProcessSeries read_process(PayloadReader& r, const SeriesStoreOptions& options) {
  model::ProcessId id;
  const std::int64_t pid = r.i64();
  if (pid <= 0 || pid > std::numeric_limits<std::int32_t>::max()) {
    r.fail("pid out of range");
  }
  id.pid = static_cast<std::int32_t>(pid);
  id.start_ticks = r.u64();
  ProcessSeries e(options.chunk_samples);
  e.id = id;
  // Re-sanitised with the current limits (max_label_bytes may have changed); idempotent otherwise.
  e.labels.comm = text::sanitize_utf8(r.bytes(), options.max_label_bytes);
  e.labels.group = text::sanitize_utf8(r.bytes(), options.max_label_bytes);
  e.labels.cgroup = text::sanitize_utf8(r.bytes(), 4 * options.max_label_bytes);
  e.labels.unit = text::sanitize_utf8(r.bytes(), options.max_label_bytes);
  const std::uint64_t flags = r.bounded(kKnownFlags);
  e.labels.included = (flags & kIncluded) != 0;
  e.labels.smaps_forced = (flags & kSmapsForced) != 0;
  e.alive = (flags & kAlive) != 0;
  e.first_seq = r.u64();
  e.last_seen_seq = r.u64();
  e.died_steady_ms = r.i64();
  e.last = read_sample(r, id);
  if (r.flag()) {
    procfs::SmapsRollup s;
    for (auto* f : smaps_fields(s)) {
      *f = r.opt();
    }
    e.smaps = s;
    e.smaps_wall_ms = r.i64();
  }
  e.series = r.series<kProcessChannels>();
  return e;
}

std::optional<procfs::PressureLine> read_pressure_line(PayloadReader& r) {
  if (!r.flag()) {
    return std::nullopt;
  }
  procfs::PressureLine line;
  line.avg10 = r.f64();
  line.avg60 = r.f64();
  line.avg300 = r.f64();
  line.total_us = r.u64();
  return line;
}

CgroupSeries read_cgroup(PayloadReader& r, const SeriesStoreOptions& options) {
  CgroupSeries e(options.chunk_samples);
  model::CgroupSample& c = e.last;
  c.path = std::string(r.bytes());
  c.unit = std::string(r.bytes());
  c.inode = r.u64();
  c.version = r.flag() ? model::CgroupVersion::kV2 : model::CgroupVersion::kV1;
  for (auto* f : cgroup_fields(c)) {
    *f = r.opt();
  }
  if (r.flag()) {
    procfs::Pressure p;
    p.some = read_pressure_line(r);
    p.full = read_pressure_line(r);
    c.pressure = p;
  }
  c.processes = static_cast<std::uint32_t>(r.bounded(std::numeric_limits<std::uint32_t>::max()));
  e.series = r.series<kCgroupChannels>();
  e.last_seen_seq = r.u64();
  e.present = r.flag();
  return e;
}

// A series must not hold a seq the index has not assigned yet: the next append would be refused.
template <std::size_t N>
bool series_within(const CompressedSeries<N>& s, const TimeIndex& times) {
  const auto last = s.last_seq();
  return !last || *last <= times.newest_seq();
}

// An id from the file, fit for a log line: printable ASCII only, at most 64 characters.
std::string printable_id(std::string_view id) {
  std::string out;
  for (const char c : id.substr(0, 64)) {
    out.push_back(c > ' ' && c < 0x7f ? c : '?');
  }
  return out;
}

Error bad(const std::string& what) {
  return malformed("history snapshot: " + what);
}

}  // namespace

std::string serialize_store(const SeriesStore& history, std::string_view boot_id,
                            std::string_view annotations, std::string_view machine_id) {
  // Written after room for the header and sealed in place, into a buffer reserved once: no
  // doubling reallocations and no copy, so saving costs the snapshot's size once, not three times.
  std::string out;
  out.reserve(kSnapshotHeaderBytes + history.bytes() + annotations.size() + 4096 +
              64 * (history.processes().size() + history.cgroups().size()));
  out.append(kSnapshotHeaderBytes, '\0');
  varint::put_bytes(out, boot_id);
  varint::put_bytes(out, machine_id);
  history.times().serialize(out);
  history.system().serialize(out);

  // Ascending ids: the same history always gives the same bytes, whatever the hash map's order.
  std::vector<const ProcessSeries*> procs;
  procs.reserve(history.processes().size());
  for (const auto& [id, e] : history.processes()) {
    procs.push_back(&e);
  }
  std::sort(procs.begin(), procs.end(),
            [](const ProcessSeries* a, const ProcessSeries* b) { return a->id < b->id; });
  varint::put_u64(out, procs.size());
  for (const ProcessSeries* e : procs) {
    put_process(out, *e);
  }

  varint::put_u64(out, history.cgroups().size());
  for (const auto& [key, e] : history.cgroups()) {
    put_cgroup(out, key, e);
  }
  varint::put_bytes(out, annotations);
  seal_snapshot_in_place(kStoreFormatVersion, out);
  return out;
}

Status restore_store(SeriesStore& history, std::string_view file_bytes, std::int64_t now_steady_ms,
                     std::int64_t now_wall_ms, const StillRunning& still_running,
                     std::string_view boot_id, std::string* annotations,
                     std::string_view machine_id) {
  const auto payload = open_snapshot(file_bytes, kStoreFormatVersion);
  if (!payload) {
    return payload.error();
  }
  const SeriesStoreOptions& options = history.options();
  PayloadReader r(*payload);
  const std::string stored_boot(r.bytes());
  const std::string stored_machine(r.bytes());
  if (r.ok() && !stored_machine.empty() && !machine_id.empty() && stored_machine != machine_id) {
    return bad(std::string(kForeignMachineDetail) + " (machine id " + printable_id(stored_machine) +
               ", this machine " + printable_id(machine_id) + "), never merged");
  }
  TimeIndex times = r.time_index(history.times().capacity());
  auto system = r.series<kSystemChannels>();
  if (!r.ok()) {
    return bad(r.error());
  }

  ProcessMap procs;
  const std::uint64_t nprocs = r.u64();
  if (!r.ok()) {
    return bad("process count: " + r.error());
  }
  if (nprocs > r.remaining()) {  // every entry takes many bytes: this bounds the loop on garbage
    return bad("bad process count");
  }
  procs.reserve(static_cast<std::size_t>(nprocs));
  for (std::uint64_t i = 0; i < nprocs; ++i) {
    ProcessSeries e = read_process(r, options);
    if (!r.ok()) {
      return bad("process " + std::to_string(i) + ": " + r.error());
    }
    if (!series_within(e.series, times) || e.last_seen_seq > times.newest_seq()) {
      return bad("process " + std::to_string(i) + ": seq beyond the time index");
    }
    const model::ProcessId id = e.id;
    if (!procs.emplace(id, std::move(e)).second) {
      return bad("duplicate process " + std::to_string(id.pid));
    }
  }

  CgroupMap cgroups;
  const std::uint64_t ncgroups = r.u64();
  if (!r.ok()) {
    return bad("cgroup count: " + r.error());
  }
  if (ncgroups > r.remaining()) {
    return bad("bad cgroup count");
  }
  for (std::uint64_t i = 0; i < ncgroups; ++i) {
    std::string key(r.bytes());
    CgroupSeries e = read_cgroup(r, options);
    if (!r.ok()) {
      return bad("cgroup " + std::to_string(i) + ": " + r.error());
    }
    if (!series_within(e.series, times) || e.last_seen_seq > times.newest_seq()) {
      return bad("cgroup " + std::to_string(i) + ": seq beyond the time index");
    }
    if (!cgroups.emplace(std::move(key), std::move(e)).second) {
      return bad("duplicate cgroup " + std::to_string(i));
    }
  }
  const std::string_view stored_annotations = r.bytes();
  if (!r.ok()) {
    return bad("annotations: " + r.error());
  }
  if (!r.at_end()) {
    return bad(std::to_string(r.remaining()) + " bytes after the last entry");
  }
  if (!series_within(system, times)) {
    return bad("host series: seq beyond the time index");
  }

  // Everything decoded: from here on nothing fails. Move the steady clock first.
  std::int64_t delta = 0;
  std::int64_t snapshot_steady = now_steady_ms;
  if (!times.empty()) {
    const TimeIndex::Entry newest = *times.at(times.newest_seq());
    const std::int64_t elapsed =
        std::max<std::int64_t>(0, wrapping_sub(now_wall_ms, newest.wall_ms));
    snapshot_steady = wrapping_sub(now_steady_ms, elapsed);
    delta = wrapping_sub(snapshot_steady, newest.steady_ms);
    times.shift_steady(delta);
  }
  const bool same_boot = stored_boot.empty() || boot_id.empty() || stored_boot == boot_id;
  const std::uint64_t oldest = times.oldest_seq();
  const std::int64_t grace_ms = options.dead_grace.count();
  for (auto it = procs.begin(); it != procs.end();) {
    ProcessSeries& e = it->second;
    if (!e.alive) {
      e.died_steady_ms = wrapping_add(e.died_steady_ms, delta);
    } else if (!same_boot || !still_running || !still_running(e.id)) {
      e.alive = false;
      e.died_steady_ms = snapshot_steady;
    }
    if (!e.alive && wrapping_sub(now_steady_ms, e.died_steady_ms) > grace_ms) {
      it = procs.erase(it);
      continue;
    }
    e.series.drop_before(oldest);
    ++it;
  }
  for (auto& [key, e] : cgroups) {
    e.series.drop_before(oldest);
  }
  system.drop_before(oldest);

  SeriesStore restored(options);
  restored.restore(std::move(times), std::move(system), std::move(procs), std::move(cgroups));
  history = std::move(restored);
  if (annotations != nullptr) {
    *annotations = std::string(stored_annotations);
  }
  return Ok{};
}

}  // namespace lw::store
