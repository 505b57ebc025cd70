#pragma once

// What one scan saw: every process, every memory cgroup, the host, and new kernel OOM lines.
// Produced by the samplers (lib/scan, I/O), consumed by the store and the analysis. Plain data, no
// I/O: this module sits below scan, store and analysis, so none of them needs another's headers.
// It uses the parsed-file structs of lib/procfs (Meminfo, Vmstat, Pressure, SmapsRollup, OomLine),
// which are plain data too.

#include <algorithm>
#include <array>
#include <chrono>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "base/boxed.h"
#include "procfs/kmsg_oom.h"
#include "procfs/meminfo.h"
#include "procfs/pressure.h"
#include "procfs/smaps_rollup.h"
#include "procfs/vmstat.h"

namespace lw::model {

using SteadyTime = std::chrono::steady_clock::time_point;
using WallTime = std::chrono::system_clock::time_point;

// A process is (pid, starttime): PID reuse starts a new identity.
struct ProcessId {
  std::int32_t pid = 0;
  std::uint64_t start_ticks = 0;
  auto operator<=>(const ProcessId&) const = default;  // NOLINT(modernize-use-nullptr): tidy 14 bug
};

struct ProcessIdHash {
  std::size_t operator()(const ProcessId& id) const noexcept {
    return std::hash<std::uint64_t>{}((static_cast<std::uint64_t>(id.pid) << 40) ^ id.start_ticks);
  }
};

struct ProcessSample {
  ProcessId id;
  std::int32_t ppid = 0;
  char state = '?';
  std::string comm;  // raw bytes from stat; sanitise before use as a label
  std::optional<std::uint32_t> uid;
  std::uint64_t cpu_ticks = 0;    // utime + stime
  double start_time_seconds = 0;  // wall clock, seconds since the epoch (btime + start/CLK_TCK)
  std::optional<std::uint64_t> rss_bytes;
  std::optional<std::uint64_t> anon_bytes;
  std::optional<std::uint64_t> file_bytes;
  std::optional<std::uint64_t> shmem_bytes;
  std::optional<std::uint64_t> swap_bytes;
  std::optional<std::uint64_t> vsize_bytes;
  std::optional<std::uint64_t> open_fds;
  std::optional<std::uint64_t> max_fds;  // soft RLIMIT_NOFILE; absent when unlimited or unread
  std::string cgroup;                    // memory-controller cgroup path ("" when unknown)
  std::string unit;                      // systemd unit of that cgroup ("" when none)
  // Only when read this scan (budgeted): boxed, because most samples have none and the daemon
  // keeps two samples per process (the scan's and the store's latest).
  Boxed<procfs::SmapsRollup> smaps;
  // Bumped by the sampler whenever comm, cgroup, exe or cmdline of this (pid, starttime) changed
  // since the last reading (an exec, a move into another cgroup): the rules must be applied again.
  std::uint32_t identity_version = 0;

  // Private, unreclaimable memory: what a leak grows. Absent when RssAnon is absent.
  std::optional<std::uint64_t> private_bytes() const {
    if (!anon_bytes) {
      return std::nullopt;
    }
    return *anon_bytes + swap_bytes.value_or(0);
  }
};

enum class CgroupVersion { kV1, kV2 };

// One memory cgroup. Paths are relative to the controller's mount ("/" is the root), as in
// /proc/<pid>/cgroup. Limits: nullopt = no limit ("max" on v2, the huge sentinel on v1).
struct CgroupSample {
  std::string path;
  std::string unit;          // systemd unit the path belongs to ("" when none)
  std::string container_id;  // docker/containerd/cri-o/podman/kubepods id from the path ("" none)
  std::uint64_t inode = 0;   // with path, identifies the cgroup (a re-created cgroup is new)
  CgroupVersion version = CgroupVersion::kV2;
  std::optional<std::uint64_t> usage_bytes;             // memory.current / memory.usage_in_bytes
  std::optional<std::uint64_t> anon_bytes;              // stat anon / total_rss
  std::optional<std::uint64_t> file_bytes;              // stat file / total_cache
  std::optional<std::uint64_t> shmem_bytes;             // stat shmem / total_shmem
  std::optional<std::uint64_t> kernel_bytes;            // stat kernel (v2, 5.18+)
  std::optional<std::uint64_t> sock_bytes;              // stat sock (v2)
  std::optional<std::uint64_t> anon_thp_bytes;          // stat anon_thp / total_rss_huge
  std::optional<std::uint64_t> inactive_file_bytes;     // stat inactive_file / total_inactive_file
  std::optional<std::uint64_t> active_file_bytes;       // stat active_file / total_active_file
  std::optional<std::uint64_t> slab_reclaimable_bytes;  // stat slab_reclaimable (v2 only)
  std::optional<std::uint64_t> dirty_bytes;             // stat file_dirty / total_dirty
  std::optional<std::uint64_t> writeback_bytes;         // stat file_writeback / total_writeback
  std::optional<std::uint64_t> swap_bytes;              // memory.swap.current / total_swap
  std::optional<std::uint64_t> limit_bytes;             // memory.max / memory.limit_in_bytes
  std::optional<std::uint64_t> high_bytes;              // memory.high (v2)
  std::optional<std::uint64_t> swap_limit_bytes;  // memory.swap.max / memory.memsw.limit_in_bytes
  std::optional<std::uint64_t> oom_events;        // memory.events.local oom (v2)
  std::optional<std::uint64_t> oom_kill_events;   // .local oom_kill / oom_control oom_kill
  std::optional<std::uint64_t> failcnt;           // memory.failcnt (v1)
  std::optional<procfs::Pressure> pressure;       // memory.pressure (v2)
  std::uint32_t processes = 0;  // the scan's processes in it (scan/cgroup_members.h)

  // cAdvisor's working set: usage minus inactive file, never negative.
  std::optional<std::uint64_t> working_set_bytes() const {
    if (!usage_bytes) {
      return std::nullopt;
    }
    const std::uint64_t inactive = inactive_file_bytes.value_or(0);
    return *usage_bytes > inactive ? *usage_bytes - inactive : 0;
  }

  // The memory the limit charges, in RAM: v2 memory.current; v1 total_rss + total_cache from
  // memory.stat (the kernel documentation's advice over the fuzzy usage_in_bytes), falling back
  // to usage_in_bytes when those keys are missing.
  std::optional<std::uint64_t> charged_bytes() const {
    if (version == CgroupVersion::kV1 && anon_bytes && file_bytes) {
      return *anon_bytes + *file_bytes;
    }
    return usage_bytes;
  }

  // What the kernel cannot reclaim before it OOM-kills (README "Headroom"): charged memory minus
  // the file LRU lists and reclaimable slab, with dirty and writeback file pages counted back
  // (they must be written first), plus swap used (swapping anon out does not free it). Shmem and
  // tmpfs pages sit on the anon lists, so they stay. Never negative; absent without a usage.
  std::optional<std::uint64_t> unreclaimable_bytes() const {
    const auto charged = charged_bytes();
    if (!charged) {
      return std::nullopt;
    }
    const std::uint64_t file_lists =
        active_file_bytes.value_or(0) + inactive_file_bytes.value_or(0);
    const std::uint64_t stuck =
        std::min(file_lists, dirty_bytes.value_or(0) + writeback_bytes.value_or(0));
    const std::uint64_t reclaimable = file_lists - stuck + slab_reclaimable_bytes.value_or(0);
    const std::uint64_t in_memory = *charged > reclaimable ? *charged - reclaimable : 0;
    return in_memory + swap_bytes.value_or(0);
  }
};

struct SystemSample {
  std::optional<procfs::Meminfo> meminfo;
  std::optional<procfs::Vmstat> vmstat;
  std::optional<procfs::Pressure> pressure;
};

// The phases of one scan cycle, in order; they tile the cycle, so their wall times add up to
// the cycle's. Exported as leakwatch_scan_phase_seconds_total{phase}.
enum class ScanPhase : std::uint8_t {
  kSample,    // /proc, host files, memory cgroups, kernel log
  kSmaps,     // planning and reading smaps_rollup on the budget
  kAnalysis,  // appending to the store and building the report
  kPublish,   // handing the report to its readers (HTTP, journal, systemd)
};
inline constexpr std::size_t kScanPhaseCount = 4;
inline constexpr std::array<const char*, kScanPhaseCount> kScanPhaseNames = {"sample", "smaps",
                                                                             "analysis", "publish"};

// Counters for one scan; the daemon accumulates them into the exported totals.
struct ScanStats {
  std::uint64_t pids_listed = 0;
  std::uint64_t pids_sampled = 0;
  std::uint64_t zombies = 0;
  std::uint64_t kernel_threads = 0;
  std::uint64_t gone = 0;          // vanished mid-read
  std::uint64_t denied = 0;        // EACCES/EPERM
  std::uint64_t parse_errors = 0;  // kMalformed
  std::uint64_t io_errors = 0;     // kIo
  std::uint64_t smaps_reads = 0;
  double smaps_read_seconds = 0;
  std::uint64_t smaps_skipped_budget = 0;    // per-scan time budget used up
  std::uint64_t smaps_skipped_max_rss = 0;   // above scan.smaps.max_rss
  std::uint64_t smaps_skipped_interval = 0;  // read less than min_interval ago
  std::uint64_t smaps_skipped_denied = 0;    // no permission (needs CAP_SYS_PTRACE)
  std::uint64_t smaps_errors = 0;
  std::uint64_t cgroups_listed = 0;
  std::uint64_t cgroups_sampled = 0;
  std::uint64_t cgroups_gone = 0;  // removed mid-scan
  std::uint64_t cgroup_errors = 0;
  std::uint64_t system_errors = 0;  // meminfo/vmstat/pressure unreadable or malformed
  std::uint64_t kmsg_errors = 0;
  std::uint64_t boot_time_rereads = 0;  // the wall clock was stepped: btime read again
  // Set by the daemon once the cycle is over (the scan itself has no clock).
  double duration_seconds = 0;  // wall time of the whole cycle, sample to publish
  std::array<double, kScanPhaseCount> phase_seconds{};  // wall time per ScanPhase
};

// A process whose smaps_rollup the analysis wants read, by index into Snapshot::processes, in
// priority order (analysis::plan_smaps produces it, scan::ProcessSampler::read_smaps consumes it).
// `forced` lifts the max_rss gate (config scan.smaps.force), never the time budget.
struct SmapsRequest {
  std::size_t index = 0;
  bool forced = false;
};

struct Snapshot {
  SteadyTime taken_at{};
  WallTime wall_time{};
  std::vector<ProcessSample> processes;
  std::vector<CgroupSample> cgroups;
  SystemSample system;
  std::vector<procfs::OomLine> kmsg_oom_lines;  // merged per kill, new since the last scan
  ScanStats stats;
};

}  // namespace lw::model
