#pragma once

// When a series' cached analysis must be redone, so that a scan costs what changed rather than the
// window's length. A full analysis reads the window from the store and classifies it (regime.h),
// O(window). It is redone:
//   - when there is none (a new series, or one that was too short or flat);
//   - every M / 8 (kRecomputesPerMinObserved) while the last verdict was growth (leak, growing): a
//     leak that stops must leave the suspect state within M;
//   - every M / 4 (kMoveRecomputesPerMinObserved) while a sample left the range of values the last
//     analysis saw by more than range_tolerance() (what a leak at the threshold rate adds in M / 2:
//     smaller moves cannot make a verdict). An onset needs M / 2 of rise to be seen and `leak`
//     needs M of it, so M / 4 keeps a late onset well inside its 2 M bound, at half the cost of M /
//     8 on a host where every process moves;
//   - at least every refresh_seconds() (one bucket of the longest window, 1/40 of it) as the
//     window slides, which is how often the per-window rates of a series that stays in its range
//     are refreshed.
// Used for processes (process_analysis.h) and cgroups (host_analysis.h).

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <utility>

#include "analysis/options.h"

namespace lw::analysis {

inline constexpr double kRecomputesPerMinObserved = 8;
inline constexpr double kMoveRecomputesPerMinObserved = 4;
inline constexpr double kRefreshesPerLongestWindow = 40;

// The longest a cached analysis is reused while its samples stay in range, in seconds.
double refresh_seconds(const AnalysisOptions& options);

// How far outside the range of the last analysis a sample must be to count as a move: what a leak
// at the threshold rate (min_growth_bytes_per_hour) adds in min_observed / 2.
double range_tolerance(const Thresholds& th);

// What a cached analysis needs to know of itself to tell when it is stale: when it ran, and the
// range of values it saw on each of up to two channels (a process's memory and FDs).
struct ReanalysisClock {
  bool valid = false;
  double analysed_at = 0;       // steady seconds
  std::array<double, 2> low{};  // the range of values it saw, widened by range_tolerance()
  std::array<double, 2> high{};
  bool moved = false;  // a sample since then fell outside its channel's range: redo it every M / 4
  bool watching = false;  // its verdict was growth: redo it every M / 8 regardless

  // Records a channel's latest value: whether it left the range.
  void observe(std::size_t channel, std::optional<std::uint64_t> v) {
    moved = moved || (v && (static_cast<double>(*v) < low.at(channel) ||
                            static_cast<double>(*v) > high.at(channel)));
  }
  // The channel's range, widened by `tolerance` on both sides.
  void set_range(std::size_t channel, std::pair<double, double> range, double tolerance = 0) {
    low.at(channel) = range.first - tolerance;
    high.at(channel) = range.second + tolerance;
  }
  void analysed(double now_s) {
    valid = true;
    analysed_at = now_s;
    moved = false;
  }
  bool due(double now_s, const AnalysisOptions& options) const;
};

}  // namespace lw::analysis
