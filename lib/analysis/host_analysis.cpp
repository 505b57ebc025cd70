#include "analysis/host_analysis.h"

#include <algorithm>

#include "analysis/growth.h"
#include "analysis/headroom.h"
#include "analysis/regime.h"
#include "analysis/series_view.h"
#include "base/text.h"

namespace lw::analysis {

namespace {

void copy_host_values(const model::SystemSample& sys, SystemReport& s) {
  if (sys.meminfo) {
    const auto& m = *sys.meminfo;
    s.mem_total_bytes = m.mem_total_bytes;
    s.mem_available_bytes = m.mem_available_bytes;
    s.swap_total_bytes = m.swap_total_bytes;
    s.swap_free_bytes = m.swap_free_bytes;
    s.anon_huge_pages_bytes = m.anon_huge_pages_bytes;
    s.committed_as_bytes = m.committed_as_bytes;
  }
  if (sys.vmstat) {
    const auto& v = *sys.vmstat;
    s.oom_kills_total = v.oom_kill;
    s.thp_fault_alloc_total = v.thp_fault_alloc;
    s.thp_fault_fallback_total = v.thp_fault_fallback;
    s.compact_stall_total = v.compact_stall;
  }
  s.pressure = sys.pressure;
}

bool any_match(const std::vector<lw::Pattern>& patterns, const std::string& path) {
  return std::any_of(patterns.begin(), patterns.end(),
                     [&](const lw::Pattern& re) { return re.full_match(path); });
}

// Exported: cgroups the filters allow, within max_depth, holding processes, using memory above
// the threshold, or that saw an OOM kill (a unit whose only process was killed keeps its counter
// visible).
bool exported(const model::CgroupSample& c, const AnalysisOptions::Cgroups& o) {
  const bool included = o.include.empty() || any_match(o.include, c.path);
  const bool big = o.min_usage_bytes > 0 && c.usage_bytes.value_or(0) >= o.min_usage_bytes;
  return included && !any_match(o.exclude, c.path) &&
         depth_of(c.path) <= static_cast<int>(o.max_depth) &&
         (c.processes > 0 || big || c.path == "/" || c.oom_kill_events.value_or(0) > 0);
}

// Cgroups judged but not exported: those with a limit, whose growth a process's time to that
// limit needs (a limited slice or pod cgroup often holds no process itself).
bool limited(const model::CgroupSample& c) {
  return c.limit_bytes.has_value() || c.high_bytes.has_value();
}

// The full analysis of a cgroup's unreclaimable memory over the longest window, into its cache.
// Rate and headroom are of the same quantity (README "Headroom").
void judge_cgroup(const store::SeriesStore& store, const store::CgroupSeries& s,
                  std::int64_t now_ms, double now_wall, const AnalysisOptions& options,
                  CgroupAnalysisCache& cache) {
  std::vector<Sample> ws;
  std::vector<HistoryPoint> points;
  read_channel(store, s.series, store::kUnreclaimableBytes,
               store.seq_since(now_ms - options.longest_ms()), &ws, &points);
  const double now_s = static_cast<double>(now_ms) / 1000.0;
  const auto rates = window_rates(ws, now_s, options);
  std::vector<WindowRate> window_rates_list;
  for (std::size_t w = 0; w < options.windows.size(); ++w) {
    window_rates_list.push_back({options.window_labels[w], rates[w], std::nullopt});
  }
  cache.rates = std::move(window_rates_list);
  // A cgroup has no start time: judge it as old as its observed history.
  const double observed = ws.size() >= 2 ? ws.back().t - ws.front().t : 0;
  const RegimeVerdict rv = classify_regime(
      ws, std::max(observed, options.memory.warmup_grace_seconds + 1), options.memory);
  cache.memory = to_resource(rv, now_s, now_wall);
  cache.growth_rate.reset();
  if (in_pattern(cache.memory, {"leak", "growing"}) && rv.verdict.rate_per_second &&
      *rv.verdict.rate_per_second > 0) {
    cache.growth_rate = rv.verdict.rate_per_second;
  }
  cache.unreclaimable_rate = ws.size() >= 3 ? rv.verdict.rate_per_second : std::nullopt;
  cache.history = downsample(points, options.history_points);
  cache.clock.set_range(0, value_range(ws), range_tolerance(options.memory));
  cache.clock.analysed(now_s);
  cache.clock.watching = cache.growth_rate.has_value() || cache.unreclaimable_rate.value_or(0) > 0;
}

CgroupReport analyse_cgroup(const store::SeriesStore& store, const store::CgroupSeries& s,
                            const Headroom& h, std::int64_t now_ms, double now_wall,
                            const AnalysisOptions& options, CgroupVerdictState& state) {
  const auto& c = s.last;
  CgroupReport r;
  r.path = text::sanitize_utf8(c.path, 512);
  r.unit = c.unit;
  r.container_id = c.container_id;
  r.sample = c;
  r.effective_limit_bytes = h.limit;
  CgroupAnalysisCache& cache = state.cache;
  cache.clock.observe(0, c.unreclaimable_bytes());
  if (cache.clock.due(static_cast<double>(now_ms) / 1000.0, options)) {
    judge_cgroup(store, s, now_ms, now_wall, options, cache);
  }
  r.rates = cache.rates;
  r.memory = cache.memory;
  r.history = cache.history;
  r.memory.headroom = h.terms;
  if (cache.growth_rate && h.terms) {
    r.memory.seconds_to_limit = h.terms->headroom_bytes / *cache.growth_rate;
    r.memory.limit_kind = h.terms->limit_kind;
  }
  if (!r.memory.suspect) {
    state.suspect_since.reset();
  } else if (!state.suspect_since) {
    state.suspect_since = now_wall;
  }
  r.memory.suspect_since_seconds = state.suspect_since;
  return r;
}

}  // namespace

std::optional<std::uint64_t> host_swap_free(const model::SystemSample& sys) {
  if (!sys.meminfo) {
    return std::nullopt;
  }
  return sys.meminfo->swap_free_bytes;
}

SystemReport analyse_system(const store::SeriesStore& store, const model::Snapshot& snap,
                            std::int64_t now_ms, const AnalysisOptions& options) {
  SystemReport s;
  copy_host_values(snap.system, s);
  std::vector<Sample> avail;
  std::vector<HistoryPoint> points;
  read_channel(store, store.system(), store::kAvailableBytes,
               store.seq_since(now_ms - options.longest_ms()), &avail, &points);
  const auto rates = window_rates(avail, static_cast<double>(now_ms) / 1000.0, options);
  for (std::size_t w = 0; w < options.windows.size(); ++w) {
    s.available_rates.push_back({options.window_labels[w], rates[w], std::nullopt});
  }
  const std::optional<double> forecast_rate =
      rates.empty() ? std::nullopt : rates[options.middle_window()];
  if (forecast_rate && *forecast_rate < 0 && s.mem_available_bytes) {
    s.seconds_to_memory_exhaustion =
        seconds_to_limit(0, -*forecast_rate, static_cast<double>(*s.mem_available_bytes));
  }
  s.available_history = downsample(points, options.history_points);
  return s;
}

std::vector<CgroupReport> analyse_cgroups(const store::SeriesStore& store,
                                          const model::Snapshot& snap, std::int64_t now_ms,
                                          const AnalysisOptions& options, VerdictState& state,
                                          std::uint64_t* skipped) {
  const CgroupIndex index(snap.cgroups, host_swap_free(snap.system));
  const double now_wall = wall_seconds(snap.wall_time);
  std::vector<CgroupReport> all;
  for (const auto& [key, s] : store.cgroups()) {
    if (!s.present) {
      continue;
    }
    const bool shown = exported(s.last, options.cgroups);
    if (!shown) {
      ++*skipped;
      if (!limited(s.last)) {
        continue;
      }
    }
    CgroupReport r = analyse_cgroup(store, s, index.headroom_of(s.last.path), now_ms, now_wall,
                                    options, state.cgroups[key]);
    if (shown) {
      all.push_back(std::move(r));
    }
  }
  if (all.size() > options.cgroups.max_exported) {
    std::sort(all.begin(), all.end(), [](const CgroupReport& a, const CgroupReport& b) {
      return a.sample.usage_bytes.value_or(0) > b.sample.usage_bytes.value_or(0);
    });
    *skipped += all.size() - options.cgroups.max_exported;
    all.resize(options.cgroups.max_exported);
  }
  std::sort(all.begin(), all.end(),
            [](const CgroupReport& a, const CgroupReport& b) { return a.path < b.path; });
  return all;
}

}  // namespace lw::analysis
