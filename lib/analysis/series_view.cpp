#include "analysis/series_view.h"

#include <algorithm>

#include "analysis/growth.h"

namespace lw::analysis {

std::span<const Sample> samples_since(const std::vector<Sample>& s, double from) {
  const auto first =
      std::lower_bound(s.begin(), s.end(), from, [](const Sample& a, double v) { return a.t < v; });
  return {s.data() + (first - s.begin()), s.data() + s.size()};
}

std::pair<double, double> value_range(std::span<const Sample> s) {
  if (s.empty()) {
    return {0, 0};
  }
  const auto [low, high] = std::minmax_element(
      s.begin(), s.end(), [](const Sample& a, const Sample& b) { return a.v < b.v; });
  return {low->v, high->v};
}

namespace {

std::vector<std::optional<double>> rates_of(const std::vector<Sample>& s, double now_s,
                                            const AnalysisOptions& options,
                                            const RegimeVerdict* whole) {
  std::vector<std::optional<double>> rates;
  rates.reserve(options.windows.size());
  for (const auto& w : options.windows) {
    if (whole != nullptr && w.count() == options.longest_ms()) {
      rates.push_back(whole->window_rate);
      continue;
    }
    const double from = now_s - static_cast<double>(w.count()) / 1000.0;
    rates.push_back(robust_slope(samples_since(s, from)));
  }
  return rates;
}

}  // namespace

std::vector<std::optional<double>> window_rates(const std::vector<Sample>& s, double now_s,
                                                const AnalysisOptions& options) {
  return rates_of(s, now_s, options, nullptr);
}

std::vector<std::optional<double>> window_rates(const std::vector<Sample>& s, double now_s,
                                                const AnalysisOptions& options,
                                                const RegimeVerdict& whole) {
  return rates_of(s, now_s, options, &whole);
}

std::vector<HistoryPoint> downsample(const std::vector<HistoryPoint>& in, std::size_t n) {
  if (in.size() <= n || n == 0) {
    return in;
  }
  std::vector<HistoryPoint> out;
  out.reserve(n);
  const double stride = static_cast<double>(in.size()) / static_cast<double>(n);
  for (std::size_t i = 0; i < n; ++i) {
    const auto lo = static_cast<std::size_t>(static_cast<double>(i) * stride);
    const auto hi =
        std::min(in.size(), static_cast<std::size_t>(static_cast<double>(i + 1) * stride));
    HistoryPoint p = in[hi - 1];
    for (std::size_t k = lo; k < hi; ++k) {
      p.v = std::max(p.v, in[k].v);
    }
    out.push_back(p);
  }
  return out;
}

std::vector<HistoryPoint> private_history(const store::SeriesStore& store,
                                          const store::ProcessSeries& s, std::int64_t since_ms,
                                          std::size_t points) {
  std::vector<HistoryPoint> wall;
  read_channel(store, s.series, store::kPrivateBytes, store.seq_since(since_ms), nullptr, &wall);
  return downsample(wall, points);
}

ProcessCharts process_charts(const store::SeriesStore& store, const store::ProcessSeries& s,
                             std::int64_t since_ms, std::size_t points, std::size_t history_points,
                             std::vector<HistoryPoint>* private_history) {
  ProcessCharts raw;
  const auto wall_of = [&](std::uint64_t seq) -> std::optional<double> {
    const auto t = store.time_of(seq);
    return t ? std::optional<double>(static_cast<double>(t->wall_ms) / 1000.0) : std::nullopt;
  };
  const auto push = [](std::vector<HistoryPoint>& out, double t, const auto& value) {
    if (value) {
      out.push_back({t, static_cast<double>(*value)});
    }
  };
  // One pass over the series: decoding is the cost, and every chunk holds all channels.
  s.series.for_each(store.seq_since(since_ms), [&](std::uint64_t seq, const auto& v) {
    const auto t = wall_of(seq);
    if (!t) {
      return;
    }
    push(raw.private_bytes, *t, v[store::kPrivateBytes]);
    push(raw.rss_bytes, *t, v[store::kRssBytes]);
    push(raw.pss_bytes, *t, v[store::kPssBytes]);
    push(raw.fds, *t, v[store::kFds]);
  });
  if (private_history != nullptr) {
    *private_history = downsample(raw.private_bytes, history_points);
  }
  return {.private_bytes = downsample(raw.private_bytes, points),
          .rss_bytes = downsample(raw.rss_bytes, points),
          .pss_bytes = downsample(raw.pss_bytes, points),
          .fds = downsample(raw.fds, points)};
}

ResourceVerdict to_resource(const Verdict& v) {
  ResourceVerdict r;
  r.pattern = std::string(pattern_name(v.pattern));
  r.score = v.score;
  r.suspect = v.suspect;
  r.evidence = VerdictEvidence{.rate_per_second = v.rate_per_second,
                               .floor_rate_per_second = v.floor_rate_per_second,
                               .observed_seconds = v.observed_seconds,
                               .consistency = v.consistency,
                               .persistence = v.persistence,
                               .margin = v.margin,
                               .halved = v.halved};
  return r;
}

ResourceVerdict to_resource(const RegimeVerdict& rv, double now_s, double now_wall) {
  ResourceVerdict r = to_resource(rv.verdict);
  r.evidence->from_regime = rv.from_regime;
  if (rv.regime.change != Regime::Change::kNone) {
    r.regime_since_seconds = now_wall - (now_s - rv.regime.start_t);
    r.regime_change = std::string(change_name(rv.regime.change));
  }
  return r;
}

bool in_pattern(const ResourceVerdict& v, std::initializer_list<const char*> names) {
  return std::any_of(names.begin(), names.end(), [&](const char* n) { return v.pattern == n; });
}

double wall_seconds(model::WallTime t) {
  return std::chrono::duration<double>(t.time_since_epoch()).count();
}

}  // namespace lw::analysis
