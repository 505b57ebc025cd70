#include "analysis/report_builder.h"

#include <algorithm>
#include <map>

#include "analysis/headroom.h"
#include "analysis/host_analysis.h"
#include "analysis/series_view.h"
#include "analysis/siblings.h"
#include "analysis/smaps_plan.h"

namespace lw::analysis {

namespace {

// Memory time to limit of a growing process (SPEC: present only while it grows). With a cgroup
// limit: the headroom of the tightest limit divided by that cgroup's unreclaimable growth, so a
// neighbour's leak shortens it too and page cache does not. When that cgroup is not growing as a
// whole (a neighbour shrinks while this process grows, or it was not judged yet), the process's
// own rate stands in: its growth is part of the cgroup's, and a neighbour's shrinking is not
// something to count on. Without a cgroup limit: the host's MemAvailable at the process's rate.
void memory_time_to_limit(double rate, const Headroom& h, std::optional<double> cgroup_rate,
                          std::optional<std::uint64_t> mem_available, ResourceVerdict& v) {
  if (rate <= 0) {
    return;
  }
  if (h.terms) {
    const double divisor = cgroup_rate.value_or(0) > 0 ? *cgroup_rate : rate;
    v.seconds_to_limit = h.terms->headroom_bytes / divisor;
    v.limit_kind = h.terms->limit_kind;
    v.headroom = h.terms;
  } else if (mem_available) {
    v.seconds_to_limit = static_cast<double>(*mem_available) / rate;
    v.limit_kind = "system";
  }
}

SuspectRule suspect_rule(const Thresholds& th) {
  return {.suspect_score = th.suspect_score,
          .min_observed_seconds = th.min_observed_seconds,
          .warmup_grace_seconds = th.warmup_grace_seconds,
          .min_growth_per_hour = th.min_growth_bytes_per_hour,
          .min_growth_ratio_per_hour = th.min_growth_ratio_per_hour,
          .hour_seconds = th.hour_seconds()};
}

// Siblings: compares the live members of each group.
void mark_sibling_outliers(const AnalysisOptions& options, std::vector<ProcessReport>& processes) {
  std::map<std::string, std::vector<std::size_t>> members;
  for (std::size_t i = 0; i < processes.size(); ++i) {
    if (processes[i].alive) {
      members[processes[i].group].push_back(i);
    }
  }
  const double min_rate = options.memory.min_growth_bytes_per_hour / options.memory.hour_seconds();
  for (const auto& [group, idx] : members) {
    if (idx.size() < 2) {
      continue;
    }
    std::vector<SiblingInput> in;
    in.reserve(idx.size());
    for (const std::size_t i : idx) {
      const auto& p = processes[i];
      std::optional<double> rate;
      if (!p.rates.empty()) {
        rate = p.rates.back().bytes_per_second;
      }
      in.push_back({static_cast<double>(p.private_bytes().value_or(0)), rate});
    }
    const auto flags = sibling_outliers(in, options.sibling_outlier_ratio, min_rate);
    for (std::size_t k = 0; k < idx.size() && k < flags.size(); ++k) {
      processes[idx[k]].sibling_outlier = flags[k];
    }
  }
}

// Largest private memory first; equal sizes keep the order the analysis produced them in (what a
// stable sort by size gives). Only (size, index) pairs are sorted, with the index as the explicit
// tie-break, and the permutation is then applied in place along its cycles: one move per report
// plus one per cycle. A ProcessReport is ~650 bytes of strings and vectors, so reports are never
// swapped around by the sort, and no second vector of them (1.3 MB at 2,000) is allocated.
void sort_by_private(std::vector<ProcessReport>& processes) {
  std::vector<std::pair<std::uint64_t, std::size_t>> order;  // (size, index of the report)
  order.reserve(processes.size());
  for (std::size_t i = 0; i < processes.size(); ++i) {
    order.emplace_back(processes[i].private_bytes().value_or(0), i);
  }
  std::sort(order.begin(), order.end(), [](const auto& a, const auto& b) {
    return a.first != b.first ? a.first > b.first : a.second < b.second;
  });
  // Position `to` receives report order[to].second; a placed position is marked by to == from.
  for (std::size_t start = 0; start < order.size(); ++start) {
    if (order[start].second == start) {
      continue;
    }
    ProcessReport first = std::move(processes[start]);
    std::size_t to = start;
    while (order[to].second != start) {
      const std::size_t from = order[to].second;
      processes[to] = std::move(processes[from]);
      order[to].second = to;
      to = from;
    }
    processes[to] = std::move(first);
    order[to].second = to;
  }
}

// sum += value when the value is present; the sum stays absent until one is.
void add_present(std::optional<std::uint64_t>& sum, const std::optional<std::uint64_t>& value) {
  if (value) {
    sum = sum.value_or(0) + *value;
  }
}

std::vector<GroupReport> group_totals(const std::vector<ProcessReport>& processes) {
  std::map<std::string, GroupReport> groups;
  for (const auto& p : processes) {
    if (!p.alive) {
      continue;
    }
    GroupReport& g = groups[p.group];
    g.name = p.group;
    ++g.processes;
    add_present(g.resident_bytes, p.rss_bytes);
    add_present(g.swap_bytes, p.swap_bytes);
    add_present(g.open_fds, p.open_fds);
    add_present(g.pss_bytes, p.pss_bytes);
    g.pss_readings += p.pss_bytes ? 1 : 0;
    if (p.memory.suspect || p.fds.suspect) {
      ++g.leak_suspects;
    }
  }
  std::vector<GroupReport> out;
  out.reserve(groups.size());
  for (auto& [name, g] : groups) {
    out.push_back(std::move(g));
  }
  return out;
}

// Crash-loop evidence onto the groups (sorted by name): a crash loop counts as one more leak
// suspect, and is listed even when none of its instances is alive right now.
void merge_crash_loops(std::vector<GroupCrashLoop> loops, std::vector<GroupReport>& groups) {
  for (GroupCrashLoop& loop : loops) {
    auto it = std::lower_bound(
        groups.begin(), groups.end(), loop.group,
        [](const GroupReport& g, const std::string& name) { return g.name < name; });
    if (it == groups.end() || it->name != loop.group) {
      if (!loop.crash_loop) {
        continue;
      }
      it = groups.insert(it, GroupReport{});
      it->name = loop.group;
    }
    it->crash_loop = loop.crash_loop;
    it->leak_suspects += loop.crash_loop ? 1 : 0;
    it->deaths = std::move(loop.deaths);
  }
}

}  // namespace

std::vector<model::SmapsRequest> ReportBuilder::plan_smaps(const store::SeriesStore& store,
                                                           const model::Snapshot& snap) const {
  return analysis::plan_smaps(snap.processes, store, verdicts_, options_.smaps_top_k);
}

std::optional<double> ReportBuilder::unreclaimable_rate(const Headroom& h) const {
  if (h.binding == nullptr) {
    return std::nullopt;
  }
  const auto it = verdicts_.cgroups.find(store::cgroup_key(*h.binding));
  return it == verdicts_.cgroups.end() ? std::nullopt : it->second.cache.unreclaimable_rate;
}

void ReportBuilder::analyse_processes(const store::SeriesStore& store, const model::Snapshot& snap,
                                      Report& report) {
  const CgroupIndex cgroups(snap.cgroups, host_swap_free(snap.system));
  const std::int64_t now_ms = store::SeriesStore::to_ms(snap.taken_at);
  const double now_wall = wall_seconds(snap.wall_time);
  ProcessAnalyser analyser(options_);
  report.processes.reserve(store.processes().size());
  for (const auto& [id, s] : store.processes()) {
    ProcessAnalysis a = analyser.analyse(store, s, verdicts_.processes[id], now_ms, now_wall);
    if (a.memory_rate) {
      const Headroom h = cgroups.headroom_of(s.last.cgroup);
      memory_time_to_limit(*a.memory_rate, h, unreclaimable_rate(h),
                           report.system.mem_available_bytes, a.report.memory);
    }
    report.processes.push_back(std::move(a.report));
  }
}

// A tracked process's charts and history: read from the store when there are none or when the
// last read is one chart point's span old (the longest window / chart_points: a more frequent read
// moves at most the newest point), else the last read's.
void ReportBuilder::attach_charts(const store::SeriesStore& store, const store::ProcessSeries& s,
                                  std::int64_t now_ms, ProcessVerdictState& state,
                                  ProcessReport& p) const {
  const auto points = static_cast<std::int64_t>(std::max<std::size_t>(1, options_.chart_points));
  if (!state.charts || now_ms - state.charts_at_ms >= options_.longest_ms() / points) {
    state.charts = std::make_shared<const ProcessCharts>(
        process_charts(store, s, now_ms - options_.longest_ms(), options_.chart_points,
                       options_.history_points, &state.history));
    state.charts_at_ms = now_ms;
  }
  p.charts = state.charts;
  p.history = state.history;
}

// Tracked (exported per process): the top-K live processes by private memory, include rules,
// suspects and sibling outliers. Tracked processes carry their history.
void ReportBuilder::mark_tracked(const store::SeriesStore& store, std::int64_t now_ms,
                                 Report& report) {
  std::vector<std::pair<std::uint64_t, std::size_t>> order;
  for (std::size_t i = 0; i < report.processes.size(); ++i) {
    if (report.processes[i].alive) {
      order.emplace_back(report.processes[i].private_bytes().value_or(0), i);
    }
  }
  const std::size_t k = std::min<std::size_t>(options_.top_k, order.size());
  std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(k), order.end(),
                    std::greater<>());
  for (std::size_t i = 0; i < k; ++i) {
    report.processes[order[i].second].tracked = true;
  }
  std::uint64_t tracked = 0;
  for (auto& p : report.processes) {
    const store::ProcessSeries* s = store.find(p.id);
    if (p.alive && (p.memory.suspect || p.fds.suspect || p.sibling_outlier ||
                    (s != nullptr && s->labels.included))) {
      p.tracked = true;
    }
    if (p.tracked && s != nullptr) {
      ++tracked;
      attach_charts(store, *s, now_ms, verdicts_.processes[p.id], p);
    } else if (const auto state = verdicts_.processes.find(p.id);
               state != verdicts_.processes.end()) {
      state->second.charts.reset();  // no longer tracked: its charts are not kept
      state->second.history = {};
    }
  }
  report.self.processes_tracked = tracked;
}

void ReportBuilder::track_crash_loops(const store::SeriesStore& store, double now_wall,
                                      Report& report) {
  crash_loops_.record(ended_this_scan(store, verdicts_, now_wall));
  std::vector<Arrival> arrivals;
  if (const auto since = crash_loops_.earliest_pending()) {
    arrivals = arrivals_since(store, *since);
  }
  const CrashLoopOptions options{
      .restart_within_seconds = options_.crash_loop_restart_within_seconds,
      .window_seconds = static_cast<double>(options_.longest_ms()) / 1000.0};
  crash_loops_.settle(arrivals, report.oom_events, now_wall, options);
  merge_crash_loops(crash_loops_.groups(), report.groups);
}

std::shared_ptr<const Report> ReportBuilder::build(const store::SeriesStore& store,
                                                   const model::Snapshot& snap, SelfReport self,
                                                   std::string cgroup_layout,
                                                   std::vector<OomEvent>& new_events) {
  auto report = std::make_shared<Report>();
  const std::int64_t now_ms = store::SeriesStore::to_ms(snap.taken_at);
  report->generated_at = wall_seconds(snap.wall_time);
  report->ready = true;
  report->windows = options_.window_labels;
  report->memory_rule = suspect_rule(options_.memory);
  report->fds_rule = suspect_rule(options_.fds);
  report->self = std::move(self);
  verdicts_.prune(store);

  report->system = analyse_system(store, snap, now_ms, options_);
  report->system.cgroup_layout = std::move(cgroup_layout);
  report->cgroups =
      analyse_cgroups(store, snap, now_ms, options_, verdicts_, &report->self.cgroups_skipped);
  analyse_processes(store, snap, *report);
  mark_sibling_outliers(options_, report->processes);
  mark_tracked(store, now_ms, *report);
  sort_by_private(report->processes);
  report->groups = group_totals(report->processes);

  ooms_.track(store, verdicts_, snap, options_, new_events);
  report->oom_events.assign(ooms_.events().begin(), ooms_.events().end());
  report->oom_kills_by_group = ooms_.kills_by_group();
  report->oom_kills_flagged_total = ooms_.flagged_total();
  track_crash_loops(store, report->generated_at, *report);

  report->self.processes_scanned = snap.processes.size();
  report->self.store_bytes = store.bytes();
  report->self.store_series = store.series_count();
  report->self.store_evictions = store.evictions();
  report->self.store_evictions_exited = store.eviction_counts().exited;
  report->self.store_evictions_idle = store.eviction_counts().idle;
  report->self.store_evictions_refused = store.eviction_counts().refused;
  return report;
}

}  // namespace lw::analysis
