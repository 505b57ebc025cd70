#include "analysis/process_analysis.h"

#include <algorithm>

#include "analysis/growth.h"
#include "analysis/series_view.h"

namespace lw::analysis {

namespace {

// The smaps_rollup reading and its age, unless it is older than max_age: reads stop above max_rss
// or when the budget runs out, and an old reading must not be reported as current. The age is on
// the steady clock when the reading was taken in this run, else (restored from a snapshot) wall.
void copy_smaps(const store::ProcessSeries& s, std::int64_t now_ms, double now_wall, double max_age,
                ProcessReport& out) {
  if (!s.smaps) {
    return;
  }
  const double age = s.smaps_steady_ms != 0
                         ? static_cast<double>(now_ms - s.smaps_steady_ms) / 1000.0
                         : now_wall - static_cast<double>(s.smaps_wall_ms) / 1000.0;
  if (age > max_age) {
    return;
  }
  out.smaps_age_seconds = std::max(0.0, age);
  out.pss_bytes = s.smaps->pss_bytes;
  out.uss_bytes = s.smaps->uss_bytes();
  out.anon_huge_pages_bytes = s.smaps->anon_huge_pages_bytes;
  out.pss_sampled_at = static_cast<double>(s.smaps_wall_ms) / 1000.0;
}

void copy_latest(const store::ProcessSeries& s, ProcessReport& out) {
  const auto& p = s.last;
  out.id = s.id;
  out.comm = s.labels.comm;
  out.group = s.labels.group;
  out.cgroup = s.labels.cgroup;
  out.unit = s.labels.unit;
  out.ppid = p.ppid;
  out.uid = p.uid;
  out.start_time_seconds = p.start_time_seconds;
  out.alive = s.alive;
  out.rss_bytes = p.rss_bytes;
  out.anon_bytes = p.anon_bytes;
  out.file_bytes = p.file_bytes;
  out.shmem_bytes = p.shmem_bytes;
  out.swap_bytes = p.swap_bytes;
  out.vsize_bytes = p.vsize_bytes;
  out.open_fds = p.open_fds;
  out.max_fds = p.max_fds;
}

// Carries "suspect since" across scans: set when first flagged, cleared when no longer suspect.
void track_since(bool suspect, double now_wall, std::optional<double>& since) {
  if (!suspect) {
    since.reset();
  } else if (!since) {
    since = now_wall;
  }
}

std::optional<double> growth_rate(const ResourceVerdict& v, const Verdict& verdict) {
  return in_pattern(v, {"leak", "growing"}) ? verdict.rate_per_second : std::nullopt;
}

}  // namespace

void ProcessAnalyser::judge(const store::SeriesStore& store, const store::ProcessSeries& s,
                            std::uint64_t since, double now_s, double now_wall, double age,
                            ProcessAnalysisCache& cache) {
  memory_.clear();
  fds_.clear();
  read_two_channels(store, s.series, {store::kPrivateBytes, store::kFds}, since, {&memory_, &fds_});
  const RegimeVerdict mv = classify_regime(memory_, age, options_.memory);
  const RegimeVerdict fv = classify_regime(fds_, age, options_.fds);
  const auto memory_rates = window_rates(memory_, now_s, options_, mv);
  const auto fd_rates = window_rates(fds_, now_s, options_, fv);
  std::vector<WindowRate> rates;
  rates.reserve(options_.windows.size());
  for (std::size_t w = 0; w < options_.windows.size(); ++w) {
    rates.push_back({options_.window_labels[w], memory_rates[w], fd_rates[w]});
  }
  cache.rates = std::move(rates);
  cache.memory = to_resource(mv, now_s, now_wall);
  cache.fds = to_resource(fv, now_s, now_wall);
  cache.rate_long = mv.verdict.rate_per_second;
  cache.memory_rate = growth_rate(cache.memory, mv.verdict);
  cache.fds_rate = growth_rate(cache.fds, fv.verdict);
  if (memory_.size() < 3) {
    cache.memory.pattern.clear();  // RssAnon absent (old kernel): no memory verdict
    cache.memory_rate.reset();
  }
  cache.clock.set_range(0, value_range(memory_), range_tolerance(options_.memory));
  cache.clock.set_range(1, value_range(fds_), range_tolerance(options_.fds));
  cache.clock.analysed(now_s);
  cache.clock.watching = cache.memory_rate.has_value() || cache.fds_rate.has_value();
  cache.flat = false;
  ++full_analyses_;
}

void ProcessAnalyser::remember_flat(std::uint64_t memory, std::optional<std::uint64_t> fds,
                                    double now_s, ProcessAnalysisCache& cache) const {
  cache = ProcessAnalysisCache{};
  cache.flat = true;
  const auto m = static_cast<double>(memory);
  cache.clock.set_range(0, {m, m});
  const double f = fds ? static_cast<double>(*fds) : 0.0;
  cache.clock.set_range(1, {f, f});
  cache.clock.analysed(now_s);
  std::vector<WindowRate> rates;
  for (const auto& label : options_.window_labels) {
    rates.push_back({label, 0.0, fds ? std::optional<double>(0.0) : std::nullopt});
  }
  cache.rates = std::move(rates);
  cache.rate_long = 0.0;
}

void ProcessAnalyser::apply(const ProcessAnalysisCache& cache, const model::ProcessSample& p,
                            ProcessAnalysis& out) {
  out.report.rates = cache.rates;
  out.report.memory = cache.memory;
  out.report.fds = cache.fds;
  out.memory_rate = cache.memory_rate;
  if (cache.fds_rate && p.max_fds && p.open_fds) {
    out.report.fds.seconds_to_limit = seconds_to_limit(
        static_cast<double>(*p.open_fds), *cache.fds_rate, static_cast<double>(*p.max_fds));
    if (out.report.fds.seconds_to_limit) {
      out.report.fds.limit_kind = "nofile";
    }
  }
}

ProcessAnalysis ProcessAnalyser::analyse(const store::SeriesStore& store,
                                         const store::ProcessSeries& s, ProcessVerdictState& state,
                                         std::int64_t now_ms, double now_wall) {
  ProcessAnalysis out;
  copy_latest(s, out.report);
  copy_smaps(s, now_ms, now_wall, options_.smaps_max_age_seconds, out.report);
  if (!s.alive) {
    // A dead process keeps its last verdict for the post-mortem; nothing new to analyse.
    out.report.memory.pattern = state.pattern;
    out.report.memory.suspect = false;
    return out;
  }
  const double now_s = static_cast<double>(now_ms) / 1000.0;
  const auto& p = s.last;
  ProcessAnalysisCache& cache = state.cache;
  cache.clock.observe(0, p.private_bytes());
  cache.clock.observe(1, p.open_fds);
  if (s.series.size() < 3) {
    // Too little history to say anything: no rate and no pattern, rather than a made-up "flat".
    std::vector<WindowRate> rates;
    for (const auto& label : options_.window_labels) {
      rates.push_back({label, std::nullopt, std::nullopt});
    }
    out.report.rates = std::move(rates);
    out.report.memory.pattern.clear();
    out.report.fds.pattern.clear();
    cache.clock.valid = false;
  } else if (cache.clock.valid &&
             (cache.flat ? !cache.clock.moved : !cache.clock.due(now_s, options_))) {
    apply(cache, p, out);  // nothing material changed since the last full analysis
  } else {
    const std::uint64_t since = store.seq_since(now_ms - options_.longest_ms());
    const auto mem_range = s.series.range_since(store::kPrivateBytes, since);
    const auto fd_range = s.series.range_since(store::kFds, since);
    if (mem_range.min && mem_range.min == mem_range.max && fd_range.min == fd_range.max) {
      // Nothing moved over the longest window (most processes on most hosts): it stays so, and
      // this stays the verdict, until a sample differs.
      remember_flat(*mem_range.min, fd_range.min, now_s, cache);
    } else {
      const double age = std::max(0.0, now_wall - p.start_time_seconds);
      judge(store, s, since, now_s, now_wall, age, cache);
    }
    apply(cache, p, out);
  }
  state.rate_long = cache.clock.valid ? cache.rate_long : std::nullopt;
  state.pattern = out.report.memory.pattern;
  state.memory_suspect = out.report.memory.suspect;
  track_since(out.report.memory.suspect, now_wall, state.memory_suspect_since);
  track_since(out.report.fds.suspect, now_wall, state.fds_suspect_since);
  out.report.memory.suspect_since_seconds = state.memory_suspect_since;
  out.report.fds.suspect_since_seconds = state.fds_suspect_since;
  return out;
}

}  // namespace lw::analysis
