#include "export/leak_collectable.h"

#include <array>
#include <cmath>
#include <deque>
#include <exception>
#include <optional>
#include <sstream>
#include <string>
#include <utility>

#include <prometheus/text_serializer.h>

namespace lw::exporter {

namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;
using Labels = std::vector<ClientMetric::Label>;

// Collects families in a fixed order. HELP strings are static literals (prometheus-cpp writes
// HELP unescaped, so they must never contain '\n' or '\\').
class Builder {
 public:
  MetricFamily& family(const char* name, const char* help, MetricType type) {
    families_.push_back(MetricFamily{name, help, type, {}});
    return families_.back();
  }

  static void add(MetricFamily& f, Labels labels, double value) {
    ClientMetric m;
    m.label = std::move(labels);
    if (f.type == MetricType::Counter) {
      m.counter.value = value;
    } else {
      m.gauge.value = value;
    }
    f.metric.push_back(std::move(m));
  }

  template <typename T>
  static void add(MetricFamily& f, Labels labels, const std::optional<T>& value) {
    if (value) {
      add(f, std::move(labels), static_cast<double>(*value));
    }
  }

  std::vector<MetricFamily> take() {
    // A family with no samples would still print HELP/TYPE; drop it to keep the output tidy.
    std::vector<MetricFamily> out;
    out.reserve(families_.size());
    for (auto& f : families_) {
      if (!f.metric.empty()) {
        out.push_back(std::move(f));
      }
    }
    return out;
  }

 private:
  // A deque: family() hands out references that must stay valid while more families are added.
  std::deque<MetricFamily> families_;
};

constexpr const char* kFromLastScan = " (from the last scan)";

std::string with_scan_note(const char* help) {
  return std::string(help) + kFromLastScan;
}

void add_process_families(Builder& b, const analysis::Report& r) {
  struct Gauge {
    const char* name;
    const char* help;
    std::optional<std::uint64_t> analysis::ProcessReport::*member;
  };
  static constexpr std::array<Gauge, 11> kGauges = {{
      {"leakwatch_process_resident_bytes", "Resident set size (VmRSS) of the process, bytes",
       &analysis::ProcessReport::rss_bytes},
      {"leakwatch_process_resident_anon_bytes", "Resident anonymous memory (RssAnon), bytes",
       &analysis::ProcessReport::anon_bytes},
      {"leakwatch_process_resident_file_bytes", "Resident file-backed memory (RssFile), bytes",
       &analysis::ProcessReport::file_bytes},
      {"leakwatch_process_resident_shmem_bytes", "Resident shared memory (RssShmem), bytes",
       &analysis::ProcessReport::shmem_bytes},
      {"leakwatch_process_virtual_bytes", "Virtual address space (VmSize); not memory pressure",
       &analysis::ProcessReport::vsize_bytes},
      {"leakwatch_process_swap_bytes", "Swapped-out anonymous memory (VmSwap), bytes",
       &analysis::ProcessReport::swap_bytes},
      {"leakwatch_process_pss_bytes",
       "Proportional set size from smaps_rollup, bytes; read on a budget, may be minutes old",
       &analysis::ProcessReport::pss_bytes},
      {"leakwatch_process_uss_bytes",
       "Unique set size (Private_Clean + Private_Dirty) from smaps_rollup, bytes; budgeted",
       &analysis::ProcessReport::uss_bytes},
      {"leakwatch_process_anon_hugepages_bytes",
       "Anonymous transparent huge pages (AnonHugePages) from smaps_rollup, bytes; budgeted",
       &analysis::ProcessReport::anon_huge_pages_bytes},
      {"leakwatch_process_open_fds", "Open file descriptors", &analysis::ProcessReport::open_fds},
      {"leakwatch_process_max_fds", "Soft limit on open file descriptors (RLIMIT_NOFILE)",
       &analysis::ProcessReport::max_fds},
  }};
  const auto labels = [](const analysis::ProcessReport& p) {
    return Labels{{"comm", p.comm}, {"group", p.group}, {"pid", std::to_string(p.id.pid)}};
  };
  const auto exported = [](const analysis::ProcessReport& p) { return p.tracked && p.alive; };

  auto& info = b.family("leakwatch_process_info",
                        "Descriptive labels of a tracked process; always 1", MetricType::Gauge);
  for (const auto& p : r.processes) {
    if (exported(p)) {
      Builder::add(info,
                   {{"cgroup", p.cgroup},
                    {"comm", p.comm},
                    {"group", p.group},
                    {"pid", std::to_string(p.id.pid)},
                    {"unit", p.unit}},
                   1.0);
    }
  }
  for (const Gauge& g : kGauges) {
    auto& f = b.family(g.name, with_scan_note(g.help).c_str(), MetricType::Gauge);
    for (const auto& p : r.processes) {
      if (exported(p)) {
        Builder::add(f, labels(p), p.*g.member);
      }
    }
  }
  auto& start = b.family("leakwatch_process_start_time_seconds",
                         "Start time of the process, seconds since the epoch", MetricType::Gauge);
  for (const auto& p : r.processes) {
    if (exported(p)) {
      Builder::add(start, labels(p), p.start_time_seconds);
    }
  }

  auto& growth = b.family("leakwatch_process_memory_growth_bytes_per_second",
                          "Robust growth rate of private memory (anon + swap) over the window, "
                          "bytes per second; within one process instance",
                          MetricType::Gauge);
  auto& fd_growth = b.family("leakwatch_process_fd_growth_per_second",
                             "Robust growth rate of open file descriptors over the window, per "
                             "second; within one process instance",
                             MetricType::Gauge);
  for (const auto& p : r.processes) {
    if (!exported(p)) {
      continue;
    }
    for (const auto& w : p.rates) {
      auto l = labels(p);
      l.push_back({"window", w.window});
      Builder::add(growth, l, w.bytes_per_second);
      Builder::add(fd_growth, std::move(l), w.fds_per_second);
    }
  }

  auto& score = b.family("leakwatch_process_leak_score",
                         "Leak score 0..1 of the process for the resource", MetricType::Gauge);
  auto& suspect =
      b.family("leakwatch_process_leak_suspect",
               "1 when the process is a leak suspect for the resource, else 0", MetricType::Gauge);
  auto& pattern = b.family("leakwatch_process_growth_pattern",
                           "1 for the current growth pattern of the private memory of the process",
                           MetricType::Gauge);
  auto& ttl = b.family("leakwatch_process_seconds_to_limit",
                       "Seconds until the process reaches the tightest limit at its current "
                       "growth rate; absent when not growing",
                       MetricType::Gauge);
  auto& sibling = b.family("leakwatch_process_sibling_outlier",
                           "1 when the process stands out from its group's siblings (far above "
                           "their median or growing while they are flat)",
                           MetricType::Gauge);
  for (const auto& p : r.processes) {
    if (!exported(p)) {
      continue;
    }
    const std::array<std::pair<const char*, const analysis::ResourceVerdict*>, 2> verdicts = {
        {{"memory", &p.memory}, {"fds", &p.fds}}};
    for (const auto& [resource, v] : verdicts) {
      auto l = labels(p);
      l.push_back({"resource", resource});
      Builder::add(score, l, v->score);
      Builder::add(suspect, l, v->suspect ? 1.0 : 0.0);
      if (v->seconds_to_limit && !v->limit_kind.empty()) {
        l.push_back({"limit", v->limit_kind});
        Builder::add(ttl, std::move(l), *v->seconds_to_limit);
      }
    }
    if (!p.memory.pattern.empty()) {
      for (const char* name : analysis::kPatternNames) {
        auto l = labels(p);
        l.push_back({"pattern", name});
        Builder::add(pattern, std::move(l), p.memory.pattern == name ? 1.0 : 0.0);
      }
    }
    Builder::add(sibling, labels(p), p.sibling_outlier ? 1.0 : 0.0);
  }
}

void add_group_families(Builder& b, const analysis::Report& r) {
  auto& processes =
      b.family("leakwatch_group_processes", "Processes in the group", MetricType::Gauge);
  auto& rss = b.family("leakwatch_group_resident_bytes",
                       "Sum of resident set sizes in the group, bytes", MetricType::Gauge);
  auto& pss = b.family("leakwatch_group_pss_bytes",
                       "Sum of the last PSS readings of group members that have one, bytes",
                       MetricType::Gauge);
  auto& swap = b.family("leakwatch_group_swap_bytes", "Sum of swap use in the group, bytes",
                        MetricType::Gauge);
  auto& fds = b.family("leakwatch_group_open_fds", "Sum of open file descriptors in the group",
                       MetricType::Gauge);
  auto& suspects =
      b.family("leakwatch_group_leak_suspects",
               "Processes in the group that are memory or FD leak suspects", MetricType::Gauge);
  for (const auto& g : r.groups) {
    const Labels l{{"group", g.name}};
    Builder::add(processes, l, static_cast<double>(g.processes));
    Builder::add(rss, l, static_cast<double>(g.resident_bytes));
    Builder::add(pss, l, g.pss_bytes);
    Builder::add(swap, l, static_cast<double>(g.swap_bytes));
    Builder::add(fds, l, static_cast<double>(g.open_fds));
    Builder::add(suspects, l, static_cast<double>(g.leak_suspects));
  }
}

void add_cgroup_families(Builder& b, const analysis::Report& r) {
  using S = model::CgroupSample;
  struct Gauge {
    const char* name;
    const char* help;
    std::optional<std::uint64_t> S::*member;
  };
  static constexpr std::array<Gauge, 4> kGauges = {{
      {"leakwatch_cgroup_memory_usage_bytes",
       "Memory charged to the cgroup incl. page cache (memory.current / usage_in_bytes), bytes",
       &S::usage_bytes},
      {"leakwatch_cgroup_memory_anon_bytes", "Anonymous memory of the cgroup, bytes",
       &S::anon_bytes},
      {"leakwatch_cgroup_memory_file_bytes", "Page cache of the cgroup, bytes", &S::file_bytes},
      {"leakwatch_cgroup_memory_swap_bytes", "Swap used by the cgroup, bytes", &S::swap_bytes},
  }};
  const auto labels = [](const analysis::CgroupReport& c) {
    Labels l{{"cgroup", c.path}};
    if (!c.unit.empty()) {
      l.push_back({"unit", c.unit});
    }
    return l;
  };
  for (const Gauge& g : kGauges) {
    auto& f = b.family(g.name, with_scan_note(g.help).c_str(), MetricType::Gauge);
    for (const auto& c : r.cgroups) {
      Builder::add(f, labels(c), c.sample.*g.member);
    }
  }
  auto& ws =
      b.family("leakwatch_cgroup_memory_working_set_bytes",
               "Working set of the cgroup: usage minus inactive file, bytes", MetricType::Gauge);
  auto& limit = b.family("leakwatch_cgroup_memory_limit_bytes",
                         "Effective memory limit: the tightest of the cgroup and its ancestors, "
                         "bytes; absent when unlimited",
                         MetricType::Gauge);
  auto& ooms = b.family("leakwatch_cgroup_oom_kills_total",
                        "OOM kills in the cgroup (memory.events oom_kill / oom_control)",
                        MetricType::Counter);
  auto& stalled = b.family("leakwatch_cgroup_memory_pressure_stalled_seconds_total",
                           "Time all tasks of the cgroup were stalled on memory (PSI full)",
                           MetricType::Counter);
  auto& waiting =
      b.family("leakwatch_cgroup_memory_pressure_waiting_seconds_total",
               "Time some task of the cgroup waited on memory (PSI some)", MetricType::Counter);
  auto& growth =
      b.family("leakwatch_cgroup_memory_growth_bytes_per_second",
               "Robust growth rate of the cgroup's working set over the window", MetricType::Gauge);
  auto& suspect =
      b.family("leakwatch_cgroup_leak_suspect",
               "1 when the cgroup's memory grows like a leak, else 0", MetricType::Gauge);
  auto& ttl = b.family("leakwatch_cgroup_seconds_to_limit",
                       "Seconds until the cgroup reaches its effective limit at its current "
                       "growth rate; absent when not growing or unlimited",
                       MetricType::Gauge);
  for (const auto& c : r.cgroups) {
    const Labels l = labels(c);
    Builder::add(ws, l, c.sample.working_set_bytes());
    Builder::add(limit, l, c.effective_limit_bytes);
    Builder::add(ooms, l, c.sample.oom_kill_events);
    if (c.sample.pressure) {
      if (c.sample.pressure->full) {
        Builder::add(stalled, l, static_cast<double>(c.sample.pressure->full->total_us) / 1e6);
      }
      if (c.sample.pressure->some) {
        Builder::add(waiting, l, static_cast<double>(c.sample.pressure->some->total_us) / 1e6);
      }
    }
    for (const auto& w : c.rates) {
      auto lw = l;
      lw.push_back({"window", w.window});
      Builder::add(growth, std::move(lw), w.bytes_per_second);
    }
    Builder::add(suspect, l, c.memory.suspect ? 1.0 : 0.0);
    Builder::add(ttl, l, c.memory.seconds_to_limit);
  }
}

void add_system_families(Builder& b, const analysis::Report& r) {
  const auto& s = r.system;
  const Labels none;
  Builder::add(
      b.family("leakwatch_system_memory_total_bytes", "MemTotal, bytes", MetricType::Gauge), none,
      s.mem_total_bytes);
  Builder::add(
      b.family("leakwatch_system_memory_available_bytes",
               "MemAvailable: memory available without swapping, bytes", MetricType::Gauge),
      none, s.mem_available_bytes);
  Builder::add(b.family("leakwatch_system_swap_total_bytes", "SwapTotal, bytes", MetricType::Gauge),
               none, s.swap_total_bytes);
  Builder::add(b.family("leakwatch_system_swap_free_bytes", "SwapFree, bytes", MetricType::Gauge),
               none, s.swap_free_bytes);
  Builder::add(
      b.family("leakwatch_system_anon_hugepages_bytes",
               "AnonHugePages: anonymous transparent huge pages, bytes", MetricType::Gauge),
      none, s.anon_huge_pages_bytes);
  Builder::add(b.family("leakwatch_system_committed_bytes",
                        "Committed_AS: memory promised to processes, bytes", MetricType::Gauge),
               none, s.committed_as_bytes);
  Builder::add(b.family("leakwatch_system_oom_kills_total",
                        "OOM kills on the host (vmstat oom_kill)", MetricType::Counter),
               none, s.oom_kills_total);
  Builder::add(b.family("leakwatch_system_thp_fault_alloc_total",
                        "Transparent huge pages allocated on fault (vmstat thp_fault_alloc)",
                        MetricType::Counter),
               none, s.thp_fault_alloc_total);
  Builder::add(
      b.family("leakwatch_system_thp_fault_fallback_total",
               "Huge page faults that fell back to small pages (vmstat)", MetricType::Counter),
      none, s.thp_fault_fallback_total);
  Builder::add(b.family("leakwatch_system_compact_stall_total",
                        "Direct compaction stalls (vmstat compact_stall)", MetricType::Counter),
               none, s.compact_stall_total);
  if (s.pressure && s.pressure->full) {
    Builder::add(
        b.family("leakwatch_system_memory_pressure_stalled_seconds_total",
                 "Time all non-idle tasks were stalled on memory (PSI full)", MetricType::Counter),
        none, static_cast<double>(s.pressure->full->total_us) / 1e6);
  }
  if (s.pressure && s.pressure->some) {
    Builder::add(b.family("leakwatch_system_memory_pressure_waiting_seconds_total",
                          "Time some task waited on memory (PSI some)", MetricType::Counter),
                 none, static_cast<double>(s.pressure->some->total_us) / 1e6);
  }
  auto& growth = b.family("leakwatch_system_memory_available_growth_bytes_per_second",
                          "Robust growth rate of MemAvailable over the window (negative: "
                          "shrinking)",
                          MetricType::Gauge);
  for (const auto& w : s.available_rates) {
    Builder::add(growth, {{"window", w.window}}, w.bytes_per_second);
  }
  Builder::add(b.family("leakwatch_system_seconds_to_memory_exhaustion",
                        "Seconds until MemAvailable reaches 0 at its current rate; absent when "
                        "not shrinking",
                        MetricType::Gauge),
               none, s.seconds_to_memory_exhaustion);
  if (!s.cgroup_layout.empty()) {
    Builder::add(b.family("leakwatch_cgroup_layout",
                          "Where the memory controller was found: v2, v1, hybrid or none; always 1",
                          MetricType::Gauge),
                 {{"layout", s.cgroup_layout}}, 1.0);
  }
}

void add_oom_families(Builder& b, const analysis::Report& r) {
  auto& kills = b.family("leakwatch_oom_kills_total",
                         "OOM kills seen since the daemon started, by the victim's group",
                         MetricType::Counter);
  for (const auto& [group, n] : r.oom_kills_by_group) {
    Builder::add(kills, {{"group", group}}, static_cast<double>(n));
  }
  Builder::add(
      b.family("leakwatch_oom_kills_flagged_total",
               "OOM victims that were leak suspects before they died", MetricType::Counter),
      {}, static_cast<double>(r.oom_kills_flagged_total));
}

void add_self_families(Builder& b, const analysis::Report& r) {
  const auto& s = r.self;
  Builder::add(
      b.family("leakwatch_build_info", "Version of leakwatchd; always 1", MetricType::Gauge),
      {{"version", s.version}}, 1.0);
  Builder::add(b.family("leakwatch_scans_total", "Scans completed", MetricType::Counter), {},
               static_cast<double>(s.scans_total));
  auto& hist = b.family("leakwatch_scan_duration_seconds", "Wall time of one scan, seconds",
                        MetricType::Histogram);
  ClientMetric h;
  h.histogram.sample_count = s.scan_duration.count;
  h.histogram.sample_sum = s.scan_duration.sum;
  for (std::size_t i = 0; i < s.scan_duration.bounds.size() && i < s.scan_duration.counts.size();
       ++i) {
    h.histogram.bucket.push_back({s.scan_duration.counts[i], s.scan_duration.bounds[i]});
  }
  hist.metric.push_back(std::move(h));
  Builder::add(b.family("leakwatch_processes_scanned", "Processes sampled by the last scan",
                        MetricType::Gauge),
               {}, static_cast<double>(s.processes_scanned));
  Builder::add(b.family("leakwatch_processes_tracked",
                        "Processes exported per process (top-K, include rules, suspects)",
                        MetricType::Gauge),
               {}, static_cast<double>(s.processes_tracked));
  auto& errors = b.family("leakwatch_scan_errors_total",
                          "Files that could not be read or parsed, by reason; a process that "
                          "exits mid-scan is 'vanished'",
                          MetricType::Counter);
  const std::array<std::pair<const char*, std::uint64_t>, 7> reasons = {
      {{"vanished", s.errors_gone},
       {"denied", s.errors_denied},
       {"parse", s.errors_parse},
       {"io", s.errors_io},
       {"cgroup", s.errors_cgroup},
       {"system", s.errors_system},
       {"kmsg", s.errors_kmsg}}};
  for (const auto& [reason, n] : reasons) {
    Builder::add(errors, {{"reason", reason}}, static_cast<double>(n));
  }
  Builder::add(
      b.family("leakwatch_smaps_reads_total", "smaps_rollup files read", MetricType::Counter), {},
      static_cast<double>(s.smaps_reads_total));
  Builder::add(b.family("leakwatch_smaps_read_seconds_total", "Time spent reading smaps_rollup",
                        MetricType::Counter),
               {}, s.smaps_read_seconds_total);
  auto& skipped = b.family("leakwatch_smaps_skipped_total", "smaps_rollup reads skipped, by reason",
                           MetricType::Counter);
  const std::array<std::pair<const char*, std::uint64_t>, 4> skips = {
      {{"budget", s.smaps_skipped_budget},
       {"max_rss", s.smaps_skipped_max_rss},
       {"interval", s.smaps_skipped_interval},
       {"denied", s.smaps_skipped_denied}}};
  for (const auto& [reason, n] : skips) {
    Builder::add(skipped, {{"reason", reason}}, static_cast<double>(n));
  }
  Builder::add(
      b.family("leakwatch_store_bytes", "Heap bytes used by the history store", MetricType::Gauge),
      {}, static_cast<double>(s.store_bytes));
  Builder::add(
      b.family("leakwatch_store_series", "Series held by the history store", MetricType::Gauge), {},
      static_cast<double>(s.store_series));
  Builder::add(b.family("leakwatch_cgroups_skipped",
                        "Memory cgroups sampled but not exported (depth, filters, max_exported)",
                        MetricType::Gauge),
               {}, static_cast<double>(s.cgroups_skipped));
  Builder::add(
      b.family("leakwatch_config_last_reload_successful",
               "1 when the last configuration (re)load succeeded, else 0", MetricType::Gauge),
      {}, s.config_last_reload_successful ? 1.0 : 0.0);
}

}  // namespace

std::vector<prometheus::MetricFamily> LeakCollectable::Collect() const {
  try {
    const auto report = board_.latest();
    Builder b;
    add_process_families(b, *report);
    add_group_families(b, *report);
    add_cgroup_families(b, *report);
    add_system_families(b, *report);
    add_oom_families(b, *report);
    add_self_families(b, *report);
    return b.take();
  } catch (const std::exception&) {
    // Out of memory while formatting: an empty scrape is better than std::terminate on a
    // civetweb thread. The HTTP layer turns an empty body into a 500.
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
