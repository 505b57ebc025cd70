#pragma once

// Reading the store's series for the analysis: one channel over a time range as (time, value)
// samples, per-window rates, downsampled histories for sparklines, and the report's verdict type.

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "analysis/classify.h"
#include "analysis/options.h"
#include "analysis/regime.h"
#include "analysis/report.h"
#include "store/series_store.h"

namespace lw::analysis {

// Samples of one channel from seq `since` on. `steady` holds steady-clock seconds (for rates),
// `wall` wall-clock seconds (for histories); either may be null.
template <std::size_t N>
void read_channel(const store::SeriesStore& store, const store::CompressedSeries<N>& series,
                  std::size_t channel, std::uint64_t since, std::vector<Sample>* steady,
                  std::vector<HistoryPoint>* wall) {
  series.for_each(since, [&](std::uint64_t seq, const auto& v) {
    const auto t = store.time_of(seq);
    if (!t || !v[channel]) {
      return;
    }
    const auto value = static_cast<double>(*v[channel]);
    if (steady != nullptr) {
      steady->push_back({static_cast<double>(t->steady_ms) / 1000.0, value});
    }
    if (wall != nullptr) {
      wall->push_back({static_cast<double>(t->wall_ms) / 1000.0, value});
    }
  });
}

// Samples of two channels from seq `since` on, in one pass over the series (decoding is the
// cost, and every chunk holds all channels), as steady-clock seconds.
template <std::size_t N>
void read_two_channels(const store::SeriesStore& store, const store::CompressedSeries<N>& series,
                       std::array<std::size_t, 2> channels, std::uint64_t since,
                       std::array<std::vector<Sample>*, 2> out) {
  series.for_each(since, [&](std::uint64_t seq, const auto& v) {
    const auto t = store.time_of(seq);
    if (!t) {
      return;
    }
    const double seconds = static_cast<double>(t->steady_ms) / 1000.0;
    for (std::size_t k = 0; k < 2; ++k) {
      if (const auto& value = v[channels[k]]) {
        out[k]->push_back({seconds, static_cast<double>(*value)});
      }
    }
  });
}

// The samples at or after steady second `from`.
std::span<const Sample> samples_since(const std::vector<Sample>& s, double from);

// The lowest and highest value of `s`; (0, 0) when empty.
std::pair<double, double> value_range(std::span<const Sample> s);

// One robust rate per analysis window, ending at now_s (steady seconds).
std::vector<std::optional<double>> window_rates(const std::vector<Sample>& s, double now_s,
                                                const AnalysisOptions& options);
// The same, where `s` holds exactly the longest window and its rate is already known
// (RegimeVerdict::window_rate of classify_regime(s)): the longest window is not recomputed.
std::vector<std::optional<double>> window_rates(const std::vector<Sample>& s, double now_s,
                                                const AnalysisOptions& options,
                                                const RegimeVerdict& whole);

// At most n points: the last point of each equal-count stride, with the stride's maximum value,
// so that spikes stay visible.
std::vector<HistoryPoint> downsample(const std::vector<HistoryPoint>& in, std::size_t n);

// A process's private-memory history since steady ms `since_ms`, downsampled.
std::vector<HistoryPoint> private_history(const store::SeriesStore& store,
                                          const store::ProcessSeries& s, std::int64_t since_ms,
                                          std::size_t points);

// A tracked process's page charts since steady ms `since_ms`, each series downsampled to `points`.
// `private_history`, when not null, receives the private bytes downsampled to `history_points`
// from the same read.
ProcessCharts process_charts(const store::SeriesStore& store, const store::ProcessSeries& s,
                             std::int64_t since_ms, std::size_t points, std::size_t history_points,
                             std::vector<HistoryPoint>* private_history);

ResourceVerdict to_resource(const Verdict& v);
// The same for a regime-aware verdict, with when its regime began (wall seconds; now_s is the
// steady time the verdict's samples are in).
ResourceVerdict to_resource(const RegimeVerdict& rv, double now_s, double now_wall);
bool in_pattern(const ResourceVerdict& v, std::initializer_list<const char*> names);

double wall_seconds(model::WallTime t);

}  // namespace lw::analysis
