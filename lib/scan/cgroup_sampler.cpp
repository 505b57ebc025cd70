#include "scan/cgroup_sampler.h"

#include <optional>
#include <type_traits>
#include <utility>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/fd.h"
#include "cgroup/memory.h"
#include "cgroup/memory_v1.h"
#include "cgroup/mountinfo.h"
#include "cgroup/namespace.h"
#include "cgroup/naming.h"
#include "cgroup/tree.h"
#include "procfs/pressure.h"

namespace lw::scan {

namespace {

// mountinfo of a host with thousands of mounts (a busy Kubernetes node) exceeds 1 MiB.
constexpr std::size_t kMountinfoMaxBytes = std::size_t{16} << 20;

enum class Need { kRequired, kOptional };

// Reads the files of one cgroup through its directory fd and remembers the first failure, so
// sample_v1/v2 read straight down without an if after every file.
class CgroupFiles {
 public:
  CgroupFiles(int dir, ReadBuffer& buf) : dir_(dir), buf_(buf) {}

  // The parsed value; nullopt when the file is absent and optional, or after any failure.
  template <typename Parse>
  auto read(const char* name, Need need, Parse&& parse)
      -> std::optional<std::decay_t<decltype(*parse(std::string_view{}))>> {
    if (failed_) {
      return std::nullopt;
    }
    const auto text = read_all_at(dir_, name, buf_);
    if (!text) {
      if (text.error().kind == ErrorKind::kGone && need == Need::kOptional) {
        missing_ = true;
      } else {
        failed_ = true;
        gone_ = text.error().kind == ErrorKind::kGone;
      }
      return std::nullopt;
    }
    auto parsed = parse(*text);
    if (!parsed) {
      failed_ = true;
      return std::nullopt;
    }
    return std::move(*parsed);
  }

  bool failed() const { return failed_; }

  // Called once all files are read. A required file that is absent means the cgroup is gone. An
  // absent optional file, a failed read (cgroupfs returns ENODEV for a file of a cgroup removed
  // after the open) or garbage (a short read) are resolved by looking whether the directory still
  // exists: cgroup.procs is in every cgroup, and openat() through the fd of a removed directory
  // fails.
  bool gone() const {
    if (gone_) {
      return true;
    }
    if (failed_ || missing_) {
      return ::faccessat(dir_, "cgroup.procs", F_OK, 0) != 0;
    }
    return false;
  }

 private:
  int dir_;
  ReadBuffer& buf_;
  bool failed_ = false;
  bool gone_ = false;
  bool missing_ = false;
};

Result<cgroup::MemoryLimit> parse_swap_max(std::string_view text) {
  return cgroup::parse_memory_limit(text, "memory.swap.max");
}
Result<cgroup::MemoryLimit> parse_high(std::string_view text) {
  return cgroup::parse_memory_limit(text, "memory.high");
}
Result<cgroup::MemoryLimit> parse_max(std::string_view text) {
  return cgroup::parse_memory_limit(text, "memory.max");
}
Result<std::uint64_t> parse_swap_current(std::string_view text) {
  return cgroup::parse_memory_current(text, "memory.swap.current");
}
Result<cgroup::MemoryEvents> parse_events(std::string_view text) {
  return cgroup::parse_memory_events(text);
}
Result<cgroup::MemoryEvents> parse_events_local(std::string_view text) {
  return cgroup::parse_memory_events(text, "memory.events.local");
}
Result<std::uint64_t> parse_current(std::string_view text) {
  return cgroup::parse_memory_current(text);
}
Result<std::uint64_t> parse_usage(std::string_view text) {
  return cgroup::parse_v1_counter(text);
}
Result<std::uint64_t> parse_failcnt(std::string_view text) {
  return cgroup::parse_v1_counter(text, "memory.failcnt");
}
Result<cgroup::MemoryLimit> parse_limit_v1(std::string_view text) {
  return cgroup::parse_v1_limit(text);
}
Result<cgroup::MemoryLimit> parse_memsw_limit(std::string_view text) {
  return cgroup::parse_v1_limit(text, "memory.memsw.limit_in_bytes");
}
Result<bool> has_memory(std::string_view text) {
  return cgroup::lists_controller(text, "memory");
}

// A limit file may be absent (nullopt) or say "no limit" (nullopt inside): both mean none.
std::optional<std::uint64_t> flatten(const std::optional<cgroup::MemoryLimit>& limit) {
  return limit ? *limit : std::nullopt;
}

std::string hierarchy_path(std::string_view mount_root, const std::string& rel) {
  // "/../..": the hierarchy's root, mounted into a private cgroup namespace (cgroup_namespace.h).
  if (mount_root.empty() || mount_root == "/" || cgroup::only_ups(mount_root)) {
    return rel;
  }
  std::string out(mount_root);
  if (rel != "/") {
    out += rel;
  }
  return out;
}

}  // namespace

CgroupSampler::CgroupSampler(std::string proc_root, std::string sys_root)
    : proc_root_(std::move(proc_root)), sys_root_(std::move(sys_root)) {}

Status CgroupSampler::discover() {
  Status located = locate_memory();
  namespace_ = detect_cgroup_namespace(proc_root_, layout_, memory_root_, buf_);
  return located;
}

Status CgroupSampler::locate_memory() {
  layout_ = {};
  memory_root_.clear();
  const std::string mountinfo_path = proc_root_ + "/self/mountinfo";
  const auto text = read_all_at(AT_FDCWD, mountinfo_path.c_str(), buf_, kMountinfoMaxBytes);
  if (!text) {
    return text.error();
  }
  cgroup::MountTable table = cgroup::parse_mountinfo(*text);
  mountinfo_malformed_lines_ = table.malformed_lines;
  first_malformed_mountinfo_ = table.first_malformed;
  if (table.mounts.empty() && table.malformed_lines > 0) {
    return Error{ErrorKind::kMalformed, "mountinfo: bad line '" + table.first_malformed + "'"};
  }
  cgroup::CgroupLayout found = cgroup::locate_cgroups(table.mounts);
  if (found.kind == CgroupLayoutKind::kNone) {
    return Ok{};
  }
  std::string root = cgroup::reroot_mount_point(found.memory_mount_point, sys_root_);
  const auto dir = open_at(AT_FDCWD, root.c_str(), O_RDONLY | O_DIRECTORY);
  if (!dir) {
    return dir.error();
  }
  if (found.kind == CgroupLayoutKind::kV2) {
    const auto controllers = read_all_at(dir->get(), "cgroup.controllers", buf_);
    if (!controllers) {
      return Error{controllers.error().kind, root + "/" + controllers.error().detail};
    }
    if (!cgroup::lists_controller(*controllers, "memory")) {
      return Ok{};  // cgroup2 without the memory controller: nothing to sample
    }
  }
  layout_ = std::move(found);
  memory_root_ = std::move(root);
  return Ok{};
}

std::vector<model::CgroupSample> CgroupSampler::sample(std::uint32_t max_depth,
                                                       model::ScanStats& stats) {
  std::vector<model::CgroupSample> out;
  if (layout_.kind == CgroupLayoutKind::kNone) {
    return out;
  }
  const auto tree = cgroup::walk_cgroup_tree(memory_root_, max_depth);
  const auto root = open_at(AT_FDCWD, memory_root_.c_str(), O_RDONLY | O_DIRECTORY);
  if (!tree || !root) {
    ++stats.cgroup_errors;
    return out;
  }
  stats.cgroups_listed += tree->dirs.size() + tree->vanished;
  stats.cgroups_gone += tree->vanished;
  stats.cgroup_errors += tree->errors;
  out.reserve(tree->dirs.size());
  const bool v1 = layout_.kind != CgroupLayoutKind::kV2;
  for (const cgroup::CgroupDir& d : tree->dirs) {
    const char* rel = d.path == "/" ? "." : d.path.c_str() + 1;
    const auto dir = open_at(root->get(), rel, O_RDONLY | O_DIRECTORY);
    if (!dir) {
      ++(dir.error().kind == ErrorKind::kGone ? stats.cgroups_gone : stats.cgroup_errors);
      continue;
    }
    model::CgroupSample s;
    s.path = hierarchy_path(layout_.memory_mount_root, d.path);
    // The inode of what we opened: if the cgroup was re-created since the walk, this is the new
    // one, and the values below are its values.
    struct ::stat st {};
    s.inode = ::fstat(dir->get(), &st) == 0 ? st.st_ino : d.inode;
    const Outcome outcome = v1 ? sample_v1(dir->get(), s) : sample_v2(dir->get(), d.depth == 0, s);
    switch (outcome) {
      case Outcome::kSampled:
        ++stats.cgroups_sampled;
        s.unit = cgroup::systemd_unit(s.path).value_or("");
        if (const auto cid = cgroup::container_id(s.path)) {
          s.container_id = cid->id;
        }
        out.push_back(std::move(s));
        break;
      case Outcome::kGone:
        ++stats.cgroups_gone;
        break;
      case Outcome::kError:
        ++stats.cgroup_errors;
        break;
      case Outcome::kNoController:
        break;
    }
  }
  return out;
}

CgroupSampler::Outcome CgroupSampler::sample_v2(int dir, bool is_root, model::CgroupSample& out) {
  out.version = model::CgroupVersion::kV2;
  CgroupFiles files(dir, buf_);
  // The root has memory.stat and memory.pressure only; every other memory.* file is
  // CFTYPE_NOT_ON_ROOT. Elsewhere the memory files exist iff the parent enabled the controller.
  const Need need = is_root ? Need::kOptional : Need::kRequired;
  if (!is_root) {
    const auto enabled = files.read("cgroup.controllers", Need::kRequired, has_memory);
    if (enabled && !*enabled) {
      return Outcome::kNoController;
    }
  }
  out.usage_bytes = files.read("memory.current", need, parse_current);
  if (const auto stat = files.read("memory.stat", need, cgroup::parse_memory_stat)) {
    out.anon_bytes = stat->anon_bytes;
    out.file_bytes = stat->file_bytes;
    out.shmem_bytes = stat->shmem_bytes;
    out.kernel_bytes = stat->kernel_bytes;
    out.sock_bytes = stat->sock_bytes;
    out.anon_thp_bytes = stat->anon_thp_bytes;
    out.inactive_file_bytes = stat->inactive_file_bytes;
    out.active_file_bytes = stat->active_file_bytes;
    out.slab_reclaimable_bytes = stat->slab_reclaimable_bytes;
    out.dirty_bytes = stat->file_dirty_bytes;
    out.writeback_bytes = stat->file_writeback_bytes;
  }
  out.limit_bytes = flatten(files.read("memory.max", need, parse_max));
  out.high_bytes = flatten(files.read("memory.high", need, parse_high));
  // This cgroup's own events, as v1's memory.oom_control counts them. memory.events.local came
  // with 5.2, when memory.events became hierarchical; before 5.2 memory.events is itself local,
  // so it is the fallback where .local is missing (and the root has neither).
  auto events = files.read("memory.events.local", Need::kOptional, parse_events_local);
  if (!events) {
    events = files.read("memory.events", need, parse_events);
  }
  if (events) {
    out.oom_events = events->oom;
    out.oom_kill_events = events->oom_kill;
  }
  // Absent without swap accounting (CONFIG_MEMCG_SWAP off, swapaccount=0).
  out.swap_bytes = files.read("memory.swap.current", Need::kOptional, parse_swap_current);
  out.swap_limit_bytes = flatten(files.read("memory.swap.max", Need::kOptional, parse_swap_max));
  // Absent without PSI (CONFIG_PSI off or psi=0).
  out.pressure = files.read("memory.pressure", Need::kOptional, procfs::parse_pressure);
  if (files.gone()) {
    return Outcome::kGone;
  }
  if (files.failed()) {
    return Outcome::kError;
  }
  return Outcome::kSampled;
}

CgroupSampler::Outcome CgroupSampler::sample_v1(int dir, model::CgroupSample& out) {
  out.version = model::CgroupVersion::kV1;
  CgroupFiles files(dir, buf_);
  out.usage_bytes = files.read("memory.usage_in_bytes", Need::kRequired, parse_usage);
  if (const auto stat = files.read("memory.stat", Need::kRequired, cgroup::parse_v1_memory_stat)) {
    // The total_* keys are hierarchical, like v2's memory.stat; the plain keys are not.
    out.anon_bytes = stat->total_rss_bytes;
    out.file_bytes = stat->total_cache_bytes;
    out.shmem_bytes = stat->total_shmem_bytes;
    out.anon_thp_bytes = stat->total_rss_huge_bytes;
    out.inactive_file_bytes = stat->total_inactive_file_bytes;
    out.swap_bytes = stat->total_swap_bytes;
    out.active_file_bytes = stat->total_active_file_bytes;
    out.dirty_bytes = stat->total_dirty_bytes;
    out.writeback_bytes = stat->total_writeback_bytes;
  }
  out.limit_bytes = flatten(files.read("memory.limit_in_bytes", Need::kRequired, parse_limit_v1));
  // Absent without swap accounting. Note: this limits memory + swap together, not swap alone.
  out.swap_limit_bytes =
      flatten(files.read("memory.memsw.limit_in_bytes", Need::kOptional, parse_memsw_limit));
  if (const auto oom =
          files.read("memory.oom_control", Need::kRequired, cgroup::parse_oom_control)) {
    out.oom_kill_events = oom->oom_kill;
  }
  out.failcnt = files.read("memory.failcnt", Need::kRequired, parse_failcnt);
  if (files.gone()) {
    return Outcome::kGone;
  }
  if (files.failed()) {
    return Outcome::kError;
  }
  return Outcome::kSampled;
}

std::string choose_memory_path(const procfs::PidCgroup& pid_cgroup, CgroupLayoutKind layout) {
  switch (layout) {
    case CgroupLayoutKind::kV1:
    case CgroupLayoutKind::kHybrid:
      return pid_cgroup.v1_memory_path.value_or("");
    case CgroupLayoutKind::kV2:
      return pid_cgroup.unified_path.value_or("");
    case CgroupLayoutKind::kNone:
      break;
  }
  return "";
}

}  // namespace lw::scan
