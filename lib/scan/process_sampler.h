#pragma once

// Samples every process under a procfs root. Per process, everything is read through one
// /proc/<pid> directory fd, so all files come from the same process instance even when the pid
// is reused mid-scan (reads then fail as kGone). Cheap files (stat, the fd count) are read every
// scan; status when the process's memory moved in a way the cheaper statm cannot follow (on a host
// without swap, a move of anonymous memory alone is read from statm), and at least every
// kStatusRefreshScans scans (status_memo.h); limits on first sight, then every `limits_interval`
// while the fd count moved since the last read (the soft NOFILE limit is what an fd forecast
// divides by) and every kIdleLimitsIntervals x `limits_interval` otherwise (an idle host's
// processes mostly keep their fds: their limits files were ~3% of a scan); cgroup, exe and cmdline
// on first sight of a (pid, starttime), again when comm changes (an exec) and every
// `identity_refresh_scans` scans (a process moved into its cgroup after start); smaps_rollup only
// on request, within a per-scan time budget (read_smaps). No logging: what went wrong is counted in
// ScanStats.

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/fd.h"
#include "base/result.h"
#include "model/snapshot.h"
#include "scan/status_memo.h"

namespace lw::scan {

// A process whose fd count did not move since its limits were read has them re-read this many
// limits_interval later: the limit only matters once fds move, and a move brings the re-read back
// to limits_interval.
inline constexpr int kIdleLimitsIntervals = 10;

struct ProcessSamplerOptions {
  std::string proc_root = "/proc";  // the daemon's default; tests pass fixture trees
  std::uint64_t page_size = 4096;
  std::uint64_t clock_ticks_per_second = 100;
  std::chrono::milliseconds limits_interval{60000};
  bool read_identity = false;  // read exe + cmdline on first sight (only when rules need them)
  // Re-read cgroup (and exe + cmdline when read_identity) every N scans per process, staggered by
  // pid so a scan re-reads about 1/N of the processes; 0 = only on first sight and comm changes.
  std::uint32_t identity_refresh_scans = 30;
  // CLOCK_REALTIME - CLOCK_BOOTTIME in seconds: the boot time the wall clock implies right now.
  // When it moves by more than a second from the value at the last /proc/stat read (the wall
  // clock was stepped: NTP's first sync, an admin's date -s), btime is read again so start times
  // and ages stay right. Tests inject their own; empty = the real clocks.
  std::function<double()> wall_minus_boot{};
  // The daemon's cgroup namespace root in the hierarchy (CgroupNamespaceInfo::root): cgroup paths
  // are resolved against it (cgroup/namespace.h); without it a path with "/.." is unknown ("").
  std::optional<std::string> cgroup_ns_root{};
};

// How the fd count was taken: st_size of /proc/<pid>/fd (Linux >= 6.2, O(1)) or by counting
// directory entries (older kernels).
enum class FdCountMethod { kStatSize, kReaddir };

struct SmapsPolicy {
  bool enabled = true;
  std::chrono::milliseconds min_interval{300000};
  std::uint64_t max_rss_bytes = 16ULL << 30;
  std::chrono::milliseconds budget{200};
};

class ProcessSampler {
 public:
  explicit ProcessSampler(ProcessSamplerOptions options);

  // Opens the procfs root and detects the fd-count method. Fatal for the daemon on failure.
  Status open();

  // Reads every process. `now` is the scan's time (used for the limits re-read schedule).
  void sample(model::SteadyTime now, std::vector<model::ProcessSample>& out,
              model::ScanStats& stats);

  // Reads smaps_rollup for the requested processes, in order, while the budget lasts. Honours
  // min_interval per process and max_rss. Results land in out[i].smaps.
  void read_smaps(model::SteadyTime now, const SmapsPolicy& policy,
                  std::span<const model::SmapsRequest> requests,
                  std::vector<model::ProcessSample>& processes, model::ScanStats& stats);

  // Host-wide files: meminfo, vmstat, pressure/memory. Called before sample(): whether the host
  // has swap decides how much of a process's status statm can stand in for (status_memo.h).
  model::SystemSample sample_system(model::ScanStats& stats);

  // Boot time (seconds since the epoch) from <root>/stat, read at open() and again by sample()
  // when the wall clock was stepped.
  std::uint64_t boot_time_seconds() const { return boot_time_; }
  FdCountMethod fd_count_method() const { return fd_method_; }
  void set_fd_count_method(FdCountMethod m) { fd_method_ = m; }
  void set_read_identity(bool on) { options_.read_identity = on; }
  void set_identity_refresh_scans(std::uint32_t n) { options_.identity_refresh_scans = n; }
  void set_cgroup_ns_root(std::optional<std::string> root) {
    options_.cgroup_ns_root = std::move(root);
  }
  void set_limits_interval(std::chrono::milliseconds d) { options_.limits_interval = d; }

  // exe and cmdline of a process seen this scan (read on first sight when read_identity is on).
  struct Identity {
    std::string exe;
    std::string cmdline;  // NUL separators replaced by spaces
  };
  const Identity* identity(const model::ProcessId& id) const;
  // Entries of the per-process cache (cgroup, unit, identity, limits): leakwatch_internal_entries.
  std::size_t cached_processes() const { return cache_.size(); }

 private:
  struct Cached {
    std::string comm;  // as of the last identity read: a change means an exec
    std::uint32_t identity_version = 0;
    std::string cgroup;
    std::string unit;
    Identity identity;
    std::optional<std::uint64_t> max_fds;
    model::SteadyTime limits_read_at{};
    std::optional<std::uint64_t> fds_at_limits_read;  // the fd count when limits were read
    bool limits_read = false;
    model::SteadyTime smaps_read_at{};
    bool smaps_read = false;
    std::uint64_t seen_scan = 0;
    int live_tid = 0;        // when the leader exited: the live thread the process is read through
    StatusMemo status_memo;  // the last status reading, reused while statm shows the same sizes
  };

  bool sample_one(int pid, model::SteadyTime now, model::ProcessSample& out,
                  model::ScanStats& stats);
  std::optional<std::uint64_t> count_fds(int dir);
  // Whether limits are read again this scan (see the top of this file).
  bool limits_due(model::SteadyTime now, std::optional<std::uint64_t> open_fds,
                  const Cached& cached) const;
  // A live (not zombie) thread of the group under `dir` other than the leader `pid`: its
  // task/<tid> directory fd, and its tid in `tid`.
  std::optional<UniqueFd> live_thread(int pid, int dir, int& tid);
  // Reads cgroup, exe and cmdline into `cached`; after the first read (`first`), bumps
  // identity_version when comm or one of them changed.
  void read_identity(int dir, std::string_view comm, bool first, Cached& cached);
  bool identity_due(int pid, bool inserted, std::string_view comm, const Cached& cached) const;

  ProcessSamplerOptions options_;
  UniqueFd root_;
  FdCountMethod fd_method_ = FdCountMethod::kReaddir;
  std::uint64_t boot_time_ = 0;
  double boot_offset_ = 0;  // wall_minus_boot() when boot_time_ was read
  // Re-reads btime when wall_minus_boot() moved by more than a second since the last read.
  void refresh_boot_time(model::ScanStats& stats);
  Status read_boot_time();
  std::map<model::ProcessId, Cached> cache_;
  std::uint64_t scan_seq_ = 0;
  bool swap_off_ = false;  // the last meminfo said SwapTotal 0 (status_memo.h)
  ReadBuffer buf_;         // reused for every file read of a scan, never zero-filled
  std::vector<int> pids_;
  std::vector<int> tids_;
};

// Counts an error by kind into the stats.
void count_error(model::ScanStats& stats, const Error& error);

}  // namespace lw::scan
