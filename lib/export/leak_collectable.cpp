#include "export/leak_collectable.h"

#include <array>
#include <exception>
#include <optional>
#include <sstream>
#include <string>
#include <utility>

#include <prometheus/text_serializer.h>

#include "export/family_builder.h"

namespace lw::exporter {

namespace {

using M = Metric;

// Per-process series exist only for tracked processes that are still alive: the cardinality
// bound (top-K, include rules, suspects) is decided by the analysis, not here.
bool exported(const analysis::ProcessReport& p) {
  return p.tracked && p.alive;
}

void add_process_readings(FamilyBuilder& b, const analysis::ProcessReport& p,
                          const std::string& pid) {
  struct Reading {
    Metric metric;
    std::optional<std::uint64_t> analysis::ProcessReport::*member;
  };
  static constexpr std::array<Reading, 11> kReadings = {{
      {M::kProcessResidentBytes, &analysis::ProcessReport::rss_bytes},
      {M::kProcessResidentAnonBytes, &analysis::ProcessReport::anon_bytes},
      {M::kProcessResidentFileBytes, &analysis::ProcessReport::file_bytes},
      {M::kProcessResidentShmemBytes, &analysis::ProcessReport::shmem_bytes},
      {M::kProcessVirtualBytes, &analysis::ProcessReport::vsize_bytes},
      {M::kProcessSwapBytes, &analysis::ProcessReport::swap_bytes},
      {M::kProcessPssBytes, &analysis::ProcessReport::pss_bytes},
      {M::kProcessUssBytes, &analysis::ProcessReport::uss_bytes},
      {M::kProcessAnonHugepagesBytes, &analysis::ProcessReport::anon_huge_pages_bytes},
      {M::kProcessOpenFds, &analysis::ProcessReport::open_fds},
      {M::kProcessMaxFds, &analysis::ProcessReport::max_fds},
  }};
  b.add(M::kProcessInfo, {p.cgroup, p.comm, p.group, pid, p.unit}, 1.0);
  for (const Reading& r : kReadings) {
    b.add(r.metric, {p.comm, p.group, pid}, p.*r.member);
  }
  b.add(M::kProcessSmapsAgeSeconds, {p.comm, p.group, pid}, p.smaps_age_seconds);
  b.add(M::kProcessStartTimeSeconds, {p.comm, p.group, pid}, p.start_time_seconds);
  for (const auto& w : p.rates) {
    b.add(M::kProcessMemoryGrowthBytesPerSecond, {p.comm, p.group, pid, w.window},
          w.bytes_per_second);
    b.add(M::kProcessFdGrowthPerSecond, {p.comm, p.group, pid, w.window}, w.fds_per_second);
  }
}

void add_process_verdicts(FamilyBuilder& b, const analysis::ProcessReport& p,
                          const std::string& pid) {
  const std::array<std::pair<std::string_view, const analysis::ResourceVerdict*>, 2> verdicts = {
      {{"memory", &p.memory}, {"fds", &p.fds}}};
  for (const auto& [resource, v] : verdicts) {
    b.add(M::kProcessLeakScore, {p.comm, p.group, pid, resource}, v->score);
    b.add(M::kProcessLeakSuspect, {p.comm, p.group, pid, resource}, v->suspect ? 1.0 : 0.0);
    if (!v->limit_kind.empty()) {
      b.add(M::kProcessSecondsToLimit, {p.comm, p.group, pid, resource, v->limit_kind},
            v->seconds_to_limit);
    }
  }
  if (!p.memory.pattern.empty()) {  // "" = not judged yet: no pattern at all, not "flat"
    for (const char* pattern : analysis::kPatternNames) {
      b.add(M::kProcessGrowthPattern, {p.comm, p.group, pid, pattern},
            p.memory.pattern == pattern ? 1.0 : 0.0);
    }
  }
  b.add(M::kProcessSiblingOutlier, {p.comm, p.group, pid}, p.sibling_outlier ? 1.0 : 0.0);
}

void add_process_families(FamilyBuilder& b, const analysis::Report& r) {
  for (const auto& p : r.processes) {
    if (exported(p)) {
      const std::string pid = std::to_string(p.id.pid);
      add_process_readings(b, p, pid);
      add_process_verdicts(b, p, pid);
    }
  }
}

void add_group_families(FamilyBuilder& b, const analysis::Report& r) {
  for (const auto& g : r.groups) {
    b.add(M::kGroupProcesses, {g.name}, static_cast<double>(g.processes));
    b.add(M::kGroupResidentBytes, {g.name}, g.resident_bytes);
    b.add(M::kGroupPssBytes, {g.name}, g.pss_bytes);
    b.add(M::kGroupPssReadings, {g.name}, static_cast<double>(g.pss_readings));
    b.add(M::kGroupSwapBytes, {g.name}, g.swap_bytes);
    b.add(M::kGroupOpenFds, {g.name}, g.open_fds);
    b.add(M::kGroupLeakSuspects, {g.name}, static_cast<double>(g.leak_suspects));
    b.add(M::kGroupCrashLoop, {g.name}, g.crash_loop ? 1.0 : 0.0);
  }
}

// PSI totals are in microseconds; the counters are in seconds.
std::optional<double> pressure_seconds(const std::optional<procfs::PressureLine>& line) {
  if (!line) {
    return std::nullopt;
  }
  return static_cast<double>(line->total_us) / 1e6;
}

void add_cgroup(FamilyBuilder& b, const analysis::CgroupReport& c) {
  using S = model::CgroupSample;
  struct Reading {
    Metric metric;
    std::optional<std::uint64_t> S::*member;
  };
  static constexpr std::array<Reading, 4> kReadings = {{
      {M::kCgroupMemoryUsageBytes, &S::usage_bytes},
      {M::kCgroupMemoryAnonBytes, &S::anon_bytes},
      {M::kCgroupMemoryFileBytes, &S::file_bytes},
      {M::kCgroupMemorySwapBytes, &S::swap_bytes},
  }};
  for (const Reading& r : kReadings) {
    b.add(r.metric, {c.path, c.unit}, c.sample.*r.member);
  }
  b.add(M::kCgroupMemoryWorkingSetBytes, {c.path, c.unit}, c.sample.working_set_bytes());
  b.add(M::kCgroupMemoryLimitBytes, {c.path, c.unit}, c.effective_limit_bytes);
  b.add(M::kCgroupOomKillsTotal, {c.path, c.unit}, c.sample.oom_kill_events);
  if (c.sample.pressure) {
    b.add(M::kCgroupMemoryPressureStalledSecondsTotal, {c.path, c.unit},
          pressure_seconds(c.sample.pressure->full));
    b.add(M::kCgroupMemoryPressureWaitingSecondsTotal, {c.path, c.unit},
          pressure_seconds(c.sample.pressure->some));
  }
  for (const auto& w : c.rates) {
    b.add(M::kCgroupMemoryGrowthBytesPerSecond, {c.path, c.unit, w.window}, w.bytes_per_second);
  }
  b.add(M::kCgroupLeakSuspect, {c.path, c.unit}, c.memory.suspect ? 1.0 : 0.0);
  b.add(M::kCgroupSecondsToLimit, {c.path, c.unit}, c.memory.seconds_to_limit);
}

void add_system_families(FamilyBuilder& b, const analysis::Report& r) {
  using S = analysis::SystemReport;
  struct Reading {
    Metric metric;
    std::optional<std::uint64_t> S::*member;
  };
  static constexpr std::array<Reading, 10> kReadings = {{
      {M::kSystemMemoryTotalBytes, &S::mem_total_bytes},
      {M::kSystemMemoryAvailableBytes, &S::mem_available_bytes},
      {M::kSystemSwapTotalBytes, &S::swap_total_bytes},
      {M::kSystemSwapFreeBytes, &S::swap_free_bytes},
      {M::kSystemAnonHugepagesBytes, &S::anon_huge_pages_bytes},
      {M::kSystemCommittedBytes, &S::committed_as_bytes},
      {M::kSystemOomKillsTotal, &S::oom_kills_total},
      {M::kSystemThpFaultAllocTotal, &S::thp_fault_alloc_total},
      {M::kSystemThpFaultFallbackTotal, &S::thp_fault_fallback_total},
      {M::kSystemCompactStallTotal, &S::compact_stall_total},
  }};
  const S& s = r.system;
  for (const Reading& reading : kReadings) {
    b.add(reading.metric, {}, s.*reading.member);
  }
  if (s.pressure) {
    b.add(M::kSystemMemoryPressureStalledSecondsTotal, {}, pressure_seconds(s.pressure->full));
    b.add(M::kSystemMemoryPressureWaitingSecondsTotal, {}, pressure_seconds(s.pressure->some));
  }
  for (const auto& w : s.available_rates) {
    b.add(M::kSystemMemoryAvailableGrowthBytesPerSecond, {w.window}, w.bytes_per_second);
  }
  b.add(M::kSystemSecondsToMemoryExhaustion, {}, s.seconds_to_memory_exhaustion);
  if (!s.cgroup_layout.empty()) {
    b.add(M::kCgroupLayout, {s.cgroup_layout}, 1.0);
  }
}

void add_oom_families(FamilyBuilder& b, const analysis::Report& r) {
  for (const auto& [group, n] : r.oom_kills_by_group) {
    b.add(M::kOomKillsTotal, {group}, static_cast<double>(n));
  }
  b.add(M::kOomKillsFlaggedTotal, {}, static_cast<double>(r.oom_kills_flagged_total));
}

prometheus::ClientMetric::Histogram scan_histogram(const analysis::ScanHistogram& h) {
  prometheus::ClientMetric::Histogram out;
  out.sample_count = h.count;
  out.sample_sum = h.sum;
  for (std::size_t i = 0; i < h.bounds.size() && i < h.counts.size(); ++i) {
    out.bucket.push_back({h.counts[i], h.bounds[i]});
  }
  return out;
}

void add_self_families(FamilyBuilder& b, const analysis::Report& r) {
  const auto& s = r.self;
  const auto count = [](std::uint64_t n) { return static_cast<double>(n); };
  b.add(M::kBuildInfo, {s.version}, 1.0);
  b.add(M::kScansTotal, {}, count(s.scans_total));
  b.add_histogram(M::kScanDurationSeconds, scan_histogram(s.scan_duration));
  for (std::size_t i = 0; i < model::kScanPhaseCount; ++i) {
    b.add(M::kScanPhaseSecondsTotal, {model::kScanPhaseNames.at(i)},
          s.scan_phase_seconds_total.at(i));
  }
  b.add(M::kDaemonCpuSecondsTotal, {}, s.daemon_cpu_seconds_total);
  b.add(M::kProcessesScanned, {}, count(s.processes_scanned));
  b.add(M::kProcessesTracked, {}, count(s.processes_tracked));
  const std::array<std::pair<std::string_view, std::uint64_t>, 8> errors = {
      {{"vanished", s.errors_gone},
       {"denied", s.errors_denied},
       {"parse", s.errors_parse},
       {"io", s.errors_io},
       {"cgroup", s.errors_cgroup},
       {"system", s.errors_system},
       {"kmsg", s.errors_kmsg},
       {"mountinfo", s.errors_mountinfo}}};
  for (const auto& [reason, n] : errors) {
    b.add(M::kScanErrorsTotal, {reason}, count(n));
  }
  b.add(M::kSmapsReadsTotal, {}, count(s.smaps_reads_total));
  b.add(M::kSmapsReadSecondsTotal, {}, s.smaps_read_seconds_total);
  const std::array<std::pair<std::string_view, std::uint64_t>, 4> skips = {
      {{"budget", s.smaps_skipped_budget},
       {"max_rss", s.smaps_skipped_max_rss},
       {"interval", s.smaps_skipped_interval},
       {"denied", s.smaps_skipped_denied}}};
  for (const auto& [reason, n] : skips) {
    b.add(M::kSmapsSkippedTotal, {reason}, count(n));
  }
  b.add(M::kStoreBytes, {}, count(s.store_bytes));
  b.add(M::kStoreSeries, {}, count(s.store_series));
  const std::array<std::pair<std::string_view, std::uint64_t>, 3> evictions = {
      {{"exited", s.store_evictions_exited},
       {"idle", s.store_evictions_idle},
       {"refused", s.store_evictions_refused}}};
  for (const auto& [reason, n] : evictions) {
    b.add(M::kStoreEvictionsTotal, {reason}, count(n));
  }
  b.add(M::kCgroupsSkipped, {}, count(s.cgroups_skipped));
  for (const auto& [reason, n] : s.state_save_failures) {
    b.add(M::kStateSaveFailuresTotal, {reason}, count(n));
  }
  for (const auto& [reason, n] : s.state_restore_discarded) {
    b.add(M::kStateRestoreDiscardedTotal, {reason}, count(n));
  }
  for (const auto& [map, n] : s.internal_entries) {
    b.add(M::kInternalEntries, {map}, count(n));
  }
  b.add(M::kConfigLastReloadSuccessful, {}, s.config_last_reload_successful ? 1.0 : 0.0);
}

}  // namespace

std::vector<prometheus::MetricFamily> LeakCollectable::Collect() const {
  try {
    const auto report = board_.latest();
    FamilyBuilder b;
    add_process_families(b, *report);
    add_group_families(b, *report);
    for (const auto& c : report->cgroups) {
      add_cgroup(b, c);
    }
    add_system_families(b, *report);
    add_oom_families(b, *report);
    add_self_families(b, *report);
    return b.take();
  } catch (const std::exception&) {
    // Out of memory while formatting, or a label list that does not match the metric table:
    // an empty scrape is better than std::terminate on an HTTP worker thread. The HTTP layer turns
    // an empty body into a 500.
    return {};
  }
}

std::string render_metrics(const analysis::Report& report) {
  ReportBoard board;
  board.publish(std::make_shared<const analysis::Report>(report));
  std::ostringstream out;
  prometheus::TextSerializer{}.Serialize(out, LeakCollectable(board).Collect());
  return out.str();
}

}  // namespace lw::exporter
