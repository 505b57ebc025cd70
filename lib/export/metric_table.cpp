#include "export/metric_table.h"

#include <array>

namespace lw::exporter {

namespace {

using prometheus::MetricType;
constexpr MetricType kGauge = MetricType::Gauge;
constexpr MetricType kCounter = MetricType::Counter;
constexpr MetricType kHistogram = MetricType::Histogram;

// Label sets shared by several families.
constexpr std::span<const LabelSpec> kNoLabels;
constexpr auto kProcessInfoLabels =
    std::to_array<LabelSpec>({{"cgroup"}, {"comm"}, {"group"}, {"pid"}, {"unit"}});
constexpr auto kProcessLabels = std::to_array<LabelSpec>({{"comm"}, {"group"}, {"pid"}});
constexpr auto kProcessWindowLabels =
    std::to_array<LabelSpec>({{"comm"}, {"group"}, {"pid"}, {"window"}});
constexpr auto kProcessResourceLabels =
    std::to_array<LabelSpec>({{"comm"}, {"group"}, {"pid"}, {"resource"}});
constexpr auto kProcessLimitLabels =
    std::to_array<LabelSpec>({{"comm"}, {"group"}, {"pid"}, {"resource"}, {"limit"}});
constexpr auto kProcessPatternLabels =
    std::to_array<LabelSpec>({{"comm"}, {"group"}, {"pid"}, {"pattern"}});
constexpr auto kGroupLabels = std::to_array<LabelSpec>({{"group"}});
constexpr auto kCgroupLabels = std::to_array<LabelSpec>({{"cgroup"}, {"unit", true}});
constexpr auto kCgroupWindowLabels =
    std::to_array<LabelSpec>({{"cgroup"}, {"unit", true}, {"window"}});
constexpr auto kWindowLabels = std::to_array<LabelSpec>({{"window"}});
constexpr auto kLayoutLabels = std::to_array<LabelSpec>({{"layout"}});
constexpr auto kVersionLabels = std::to_array<LabelSpec>({{"version"}});
constexpr auto kReasonLabels = std::to_array<LabelSpec>({{"reason"}});
constexpr auto kPhaseLabels = std::to_array<LabelSpec>({{"phase"}});
constexpr auto kMapLabels = std::to_array<LabelSpec>({{"map"}});

using M = Metric;

// Help texts of readings taken from the last scan end in "(from the last scan)", as since v1.
constexpr std::array<MetricSpec, kMetricCount> kTable = {{
    {M::kProcessInfo, "leakwatch_process_info", kGauge,
     "Descriptive labels of a tracked process; always 1", kProcessInfoLabels},
    {M::kProcessResidentBytes, "leakwatch_process_resident_bytes", kGauge,
     "Resident set size (VmRSS) of the process, bytes (from the last scan)", kProcessLabels},
    {M::kProcessResidentAnonBytes, "leakwatch_process_resident_anon_bytes", kGauge,
     "Resident anonymous memory (RssAnon), bytes (from the last scan)", kProcessLabels},
    {M::kProcessResidentFileBytes, "leakwatch_process_resident_file_bytes", kGauge,
     "Resident file-backed memory (RssFile), bytes (from the last scan)", kProcessLabels},
    {M::kProcessResidentShmemBytes, "leakwatch_process_resident_shmem_bytes", kGauge,
     "Resident shared memory (RssShmem), bytes (from the last scan)", kProcessLabels},
    {M::kProcessVirtualBytes, "leakwatch_process_virtual_bytes", kGauge,
     "Virtual address space (VmSize); not memory pressure (from the last scan)", kProcessLabels},
    {M::kProcessSwapBytes, "leakwatch_process_swap_bytes", kGauge,
     "Swapped-out anonymous memory (VmSwap), bytes (from the last scan)", kProcessLabels},
    {M::kProcessPssBytes, "leakwatch_process_pss_bytes", kGauge,
     "Proportional set size from smaps_rollup, bytes; read on a budget, may be minutes old "
     "(from the last scan)",
     kProcessLabels},
    {M::kProcessUssBytes, "leakwatch_process_uss_bytes", kGauge,
     "Unique set size (Private_Clean + Private_Dirty) from smaps_rollup, bytes; budgeted "
     "(from the last scan)",
     kProcessLabels},
    {M::kProcessAnonHugepagesBytes, "leakwatch_process_anon_hugepages_bytes", kGauge,
     "Anonymous transparent huge pages (AnonHugePages) from smaps_rollup, bytes; budgeted "
     "(from the last scan)",
     kProcessLabels},
    {M::kProcessSmapsAgeSeconds, "leakwatch_process_smaps_age_seconds", kGauge,
     "Age of the smaps_rollup reading behind the PSS, USS and huge-page metrics, seconds; a "
     "reading older than scan.smaps.max_age is dropped with them",
     kProcessLabels},
    {M::kProcessOpenFds, "leakwatch_process_open_fds", kGauge,
     "Open file descriptors (from the last scan)", kProcessLabels},
    {M::kProcessMaxFds, "leakwatch_process_max_fds", kGauge,
     "Soft limit on open file descriptors (RLIMIT_NOFILE) (from the last scan)", kProcessLabels},
    {M::kProcessStartTimeSeconds, "leakwatch_process_start_time_seconds", kGauge,
     "Start time of the process, seconds since the epoch", kProcessLabels},
    {M::kProcessMemoryGrowthBytesPerSecond, "leakwatch_process_memory_growth_bytes_per_second",
     kGauge,
     "Robust growth rate of private memory (anon + swap) over the window, bytes per second; "
     "within one process instance",
     kProcessWindowLabels},
    {M::kProcessFdGrowthPerSecond, "leakwatch_process_fd_growth_per_second", kGauge,
     "Robust growth rate of open file descriptors over the window, per second; within one "
     "process instance",
     kProcessWindowLabels},
    {M::kProcessLeakScore, "leakwatch_process_leak_score", kGauge,
     "Leak score 0..1 of the process for the resource", kProcessResourceLabels},
    {M::kProcessLeakSuspect, "leakwatch_process_leak_suspect", kGauge,
     "1 when the process is a leak suspect for the resource, else 0", kProcessResourceLabels},
    {M::kProcessGrowthPattern, "leakwatch_process_growth_pattern", kGauge,
     "1 for the current growth pattern of the private memory of the process",
     kProcessPatternLabels},
    {M::kProcessSecondsToLimit, "leakwatch_process_seconds_to_limit", kGauge,
     "Seconds until the process reaches the tightest limit; absent when not growing. Under a "
     "cgroup limit (limit=cgroup: memory.max or v1 limit_in_bytes; cgroup_high: memory.high when "
     "tighter): headroom = limit - unreclaimable memory (page cache and reclaimable slab count as "
     "free, dirty and writeback pages do not) plus the swap the cgroup may still use, divided by "
     "the growth of that cgroup's unreclaimable memory; limit=system: MemAvailable at the "
     "process's rate",
     kProcessLimitLabels},
    {M::kProcessSiblingOutlier, "leakwatch_process_sibling_outlier", kGauge,
     "1 when the process stands out from its group's siblings (far above their median or "
     "growing while they are flat)",
     kProcessLabels},

    {M::kGroupProcesses, "leakwatch_group_processes", kGauge, "Processes in the group",
     kGroupLabels},
    {M::kGroupResidentBytes, "leakwatch_group_resident_bytes", kGauge,
     "Sum of resident set sizes in the group, bytes", kGroupLabels},
    {M::kGroupPssBytes, "leakwatch_group_pss_bytes", kGauge,
     "Sum of the PSS readings (at most scan.smaps.max_age old) of group members that have one, "
     "bytes; leakwatch_group_pss_readings says how many",
     kGroupLabels},
    {M::kGroupPssReadings, "leakwatch_group_pss_readings", kGauge,
     "Group members whose PSS reading leakwatch_group_pss_bytes adds up (of "
     "leakwatch_group_processes)",
     kGroupLabels},
    {M::kGroupSwapBytes, "leakwatch_group_swap_bytes", kGauge,
     "Sum of swap use in the group, bytes", kGroupLabels},
    {M::kGroupOpenFds, "leakwatch_group_open_fds", kGauge,
     "Sum of open file descriptors in the group", kGroupLabels},
    {M::kGroupLeakSuspects, "leakwatch_group_leak_suspects", kGauge,
     "Processes in the group that are memory or FD leak suspects, plus 1 when the group is a "
     "crash loop",
     kGroupLabels},
    {M::kGroupCrashLoop, "leakwatch_group_crash_loop", kGauge,
     "1 when, within the longest window, 3 successive instances of the group died growing or "
     "leaking, each OOM-killed or restarted (same unit or cgroup) within "
     "analysis.crash_loop_restart_within",
     kGroupLabels},

    {M::kCgroupMemoryUsageBytes, "leakwatch_cgroup_memory_usage_bytes", kGauge,
     "Memory charged to the cgroup incl. page cache (memory.current / usage_in_bytes), bytes "
     "(from the last scan)",
     kCgroupLabels},
    {M::kCgroupMemoryAnonBytes, "leakwatch_cgroup_memory_anon_bytes", kGauge,
     "Anonymous memory of the cgroup, bytes (from the last scan)", kCgroupLabels},
    {M::kCgroupMemoryFileBytes, "leakwatch_cgroup_memory_file_bytes", kGauge,
     "Page cache of the cgroup, bytes (from the last scan)", kCgroupLabels},
    {M::kCgroupMemorySwapBytes, "leakwatch_cgroup_memory_swap_bytes", kGauge,
     "Swap used by the cgroup, bytes (from the last scan)", kCgroupLabels},
    {M::kCgroupMemoryWorkingSetBytes, "leakwatch_cgroup_memory_working_set_bytes", kGauge,
     "Working set of the cgroup: usage minus inactive file, bytes", kCgroupLabels},
    {M::kCgroupMemoryLimitBytes, "leakwatch_cgroup_memory_limit_bytes", kGauge,
     "Effective memory limit: the tightest of the cgroup and its ancestors, bytes; absent when "
     "unlimited",
     kCgroupLabels},
    {M::kCgroupOomKillsTotal, "leakwatch_cgroup_oom_kills_total", kCounter,
     "OOM kills in the cgroup itself, not its descendants (v2 memory.events.local oom_kill, "
     "memory.events before 5.2; v1 memory.oom_control oom_kill)",
     kCgroupLabels},
    {M::kCgroupMemoryPressureStalledSecondsTotal,
     "leakwatch_cgroup_memory_pressure_stalled_seconds_total", kCounter,
     "Time all tasks of the cgroup were stalled on memory (PSI full)", kCgroupLabels},
    {M::kCgroupMemoryPressureWaitingSecondsTotal,
     "leakwatch_cgroup_memory_pressure_waiting_seconds_total", kCounter,
     "Time some task of the cgroup waited on memory (PSI some)", kCgroupLabels},
    {M::kCgroupMemoryGrowthBytesPerSecond, "leakwatch_cgroup_memory_growth_bytes_per_second",
     kGauge,
     "Robust growth rate of the cgroup's unreclaimable memory (usage minus page cache and "
     "reclaimable slab, plus dirty, writeback and swap) over the window",
     kCgroupWindowLabels},
    {M::kCgroupLeakSuspect, "leakwatch_cgroup_leak_suspect", kGauge,
     "1 when the cgroup's unreclaimable memory grows like a leak, else 0", kCgroupLabels},
    {M::kCgroupSecondsToLimit, "leakwatch_cgroup_seconds_to_limit", kGauge,
     "Seconds until the cgroup's unreclaimable memory reaches the tightest limit of it and its "
     "ancestors (plus the swap it may still use) at its current growth rate; absent when not "
     "growing or unlimited",
     kCgroupLabels},

    {M::kSystemMemoryTotalBytes, "leakwatch_system_memory_total_bytes", kGauge, "MemTotal, bytes",
     kNoLabels},
    {M::kSystemMemoryAvailableBytes, "leakwatch_system_memory_available_bytes", kGauge,
     "MemAvailable: memory available without swapping, bytes", kNoLabels},
    {M::kSystemSwapTotalBytes, "leakwatch_system_swap_total_bytes", kGauge, "SwapTotal, bytes",
     kNoLabels},
    {M::kSystemSwapFreeBytes, "leakwatch_system_swap_free_bytes", kGauge, "SwapFree, bytes",
     kNoLabels},
    {M::kSystemAnonHugepagesBytes, "leakwatch_system_anon_hugepages_bytes", kGauge,
     "AnonHugePages: anonymous transparent huge pages, bytes", kNoLabels},
    {M::kSystemCommittedBytes, "leakwatch_system_committed_bytes", kGauge,
     "Committed_AS: memory promised to processes, bytes", kNoLabels},
    {M::kSystemOomKillsTotal, "leakwatch_system_oom_kills_total", kCounter,
     "OOM kills on the host (vmstat oom_kill)", kNoLabels},
    {M::kSystemThpFaultAllocTotal, "leakwatch_system_thp_fault_alloc_total", kCounter,
     "Transparent huge pages allocated on fault (vmstat thp_fault_alloc)", kNoLabels},
    {M::kSystemThpFaultFallbackTotal, "leakwatch_system_thp_fault_fallback_total", kCounter,
     "Huge page faults that fell back to small pages (vmstat)", kNoLabels},
    {M::kSystemCompactStallTotal, "leakwatch_system_compact_stall_total", kCounter,
     "Direct compaction stalls (vmstat compact_stall)", kNoLabels},
    {M::kSystemMemoryPressureStalledSecondsTotal,
     "leakwatch_system_memory_pressure_stalled_seconds_total", kCounter,
     "Time all non-idle tasks were stalled on memory (PSI full)", kNoLabels},
    {M::kSystemMemoryPressureWaitingSecondsTotal,
     "leakwatch_system_memory_pressure_waiting_seconds_total", kCounter,
     "Time some task waited on memory (PSI some)", kNoLabels},
    {M::kSystemMemoryAvailableGrowthBytesPerSecond,
     "leakwatch_system_memory_available_growth_bytes_per_second", kGauge,
     "Robust growth rate of MemAvailable over the window (negative: shrinking)", kWindowLabels},
    {M::kSystemSecondsToMemoryExhaustion, "leakwatch_system_seconds_to_memory_exhaustion", kGauge,
     "Seconds until MemAvailable reaches 0 at its current rate; absent when not shrinking",
     kNoLabels},
    {M::kCgroupLayout, "leakwatch_cgroup_layout", kGauge,
     "Where the memory controller was found: v2, v1, hybrid or none; always 1", kLayoutLabels},

    {M::kOomKillsTotal, "leakwatch_oom_kills_total", kCounter,
     "OOM kills seen since the daemon started, by the victim's group", kGroupLabels},
    {M::kOomKillsFlaggedTotal, "leakwatch_oom_kills_flagged_total", kCounter,
     "OOM victims that were leak suspects before they died", kNoLabels},

    {M::kBuildInfo, "leakwatch_build_info", kGauge, "Version of leakwatchd; always 1",
     kVersionLabels},
    {M::kScansTotal, "leakwatch_scans_total", kCounter, "Scans completed", kNoLabels},
    {M::kScanDurationSeconds, "leakwatch_scan_duration_seconds", kHistogram,
     "Wall time of one whole scan cycle (sample, smaps, analysis, publish), seconds; a cycle is "
     "counted once it has published its report",
     kNoLabels},
    {M::kScanPhaseSecondsTotal, "leakwatch_scan_phase_seconds_total", kCounter,
     "Wall time of the scan cycles spent in each phase: sample, smaps, analysis, publish",
     kPhaseLabels},
    {M::kDaemonCpuSecondsTotal, "leakwatch_daemon_cpu_seconds_total", kCounter,
     "CPU time of leakwatchd itself, user + system, all threads (read once per scan cycle)",
     kNoLabels},
    {M::kProcessesScanned, "leakwatch_processes_scanned", kGauge,
     "Processes sampled by the last scan", kNoLabels},
    {M::kProcessesTracked, "leakwatch_processes_tracked", kGauge,
     "Processes exported per process (top-K, include rules, suspects)", kNoLabels},
    {M::kScanErrorsTotal, "leakwatch_scan_errors_total", kCounter,
     "Files that could not be read or parsed, by reason; a process that exits mid-scan is "
     "'vanished'",
     kReasonLabels},
    {M::kSmapsReadsTotal, "leakwatch_smaps_reads_total", kCounter, "smaps_rollup files read",
     kNoLabels},
    {M::kSmapsReadSecondsTotal, "leakwatch_smaps_read_seconds_total", kCounter,
     "Time spent reading smaps_rollup", kNoLabels},
    {M::kSmapsSkippedTotal, "leakwatch_smaps_skipped_total", kCounter,
     "smaps_rollup reads skipped, by reason", kReasonLabels},
    {M::kStoreBytes, "leakwatch_store_bytes", kGauge, "Heap bytes used by the history store",
     kNoLabels},
    {M::kStoreSeries, "leakwatch_store_series", kGauge, "Series held by the history store",
     kNoLabels},
    {M::kStoreEvictionsTotal, "leakwatch_store_evictions_total", kCounter,
     "Series evicted at store.max_series to make room for a new one, by reason: exited (an "
     "exited process), idle (a small, flat live process), refused (the new one, all protected)",
     kReasonLabels},
    {M::kCgroupsSkipped, "leakwatch_cgroups_skipped", kGauge,
     "Memory cgroups sampled but not exported (depth, filters, max_exported)", kNoLabels},
    {M::kStateSaveFailuresTotal, "leakwatch_state_save_failures_total", kCounter,
     "History snapshot writes that failed, by reason: read_only, no_space, missing, denied, "
     "memory, io",
     kReasonLabels},
    {M::kStateRestoreDiscardedTotal, "leakwatch_state_restore_discarded_total", kCounter,
     "History snapshots discarded at start, by reason: unreadable, corrupt, truncated, version, "
     "foreign_machine",
     kReasonLabels},
    {M::kInternalEntries, "leakwatch_internal_entries", kGauge,
     "Entries in the daemon's long-lived maps, by map; flat on a host with a steady population",
     kMapLabels},
    {M::kConfigLastReloadSuccessful, "leakwatch_config_last_reload_successful", kGauge,
     "1 when the last configuration (re)load succeeded, else 0", kNoLabels},
}};

// Compile-time rules for every entry, so a wrong row fails the build instead of a scrape.

constexpr bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

constexpr bool is_name(std::string_view s) {  // [a-z_][a-z0-9_]*, our subset of Prometheus's
  if (s.empty() || (s[0] >= '0' && s[0] <= '9')) {
    return false;
  }
  for (const char c : s) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) {
      return false;
    }
  }
  return true;
}

constexpr bool entry_is_valid(const MetricSpec& m) {
  if (!is_name(m.name) || !m.name.starts_with("leakwatch_") || m.help.empty() ||
      m.help.find_first_of("\n\\") != std::string_view::npos) {
    return false;
  }
  // Counters and only counters end in _total; a histogram's name leaves its series' suffixes
  // free, so `_bucket`/`_sum`/`_count` always map back to one family.
  if ((m.type == kCounter) != ends_with(m.name, "_total")) {
    return false;
  }
  if (ends_with(m.name, "_bucket") || ends_with(m.name, "_sum") || ends_with(m.name, "_count")) {
    return false;
  }
  for (const LabelSpec& l : m.labels) {
    if (!is_name(l.name) || l.name.starts_with("__") || l.name == "le") {
      return false;
    }
  }
  return true;
}

constexpr bool table_is_valid() {
  for (std::size_t i = 0; i < kTable.size(); ++i) {
    if (kTable[i].id != static_cast<Metric>(i) || !entry_is_valid(kTable[i])) {
      return false;
    }
    for (std::size_t j = 0; j < i; ++j) {
      if (kTable[j].name == kTable[i].name) {
        return false;
      }
    }
  }
  return true;
}

static_assert(table_is_valid(),
              "metric table: entry i must be Metric i, names unique and valid, counters end in "
              "_total, help without '\\n' or '\\\\'");

}  // namespace

std::span<const MetricSpec> metric_table() {
  return kTable;
}

const MetricSpec& metric_spec(Metric metric) {
  return kTable[static_cast<std::size_t>(metric)];
}

}  // namespace lw::exporter
