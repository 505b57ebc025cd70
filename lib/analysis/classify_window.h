#pragma once

// The measurements classify() takes of one window before it applies its rules (classify.h names
// them: rate, floor rate, base, noise, big jumps, troughs, sawtooth). Pure functions of the
// samples; internal to classify.cpp, in a header of their own so each can be read and tested
// apart from the rules.

#include <algorithm>
#include <cstddef>
#include <limits>
#include <optional>
#include <span>
#include <vector>

#include "analysis/growth.h"

namespace lw::analysis::classify_detail {

// Everything about the window that the rules and the score read.
struct WindowStats {
  // Time marks: first and last t, their distance, and the ends of the first quarter, the first
  // half and the start of the last quarter.
  double t0 = 0;
  double t1 = 0;
  double span = 0;
  double q1_end = 0;
  double half = 0;
  double q4_start = 0;

  std::vector<Bucket> buckets;  // bucketize(window)
  std::vector<Sample> floor;    // floor_of(buckets)
  std::vector<Sample> medians;  // (t, median) of each bucket

  std::optional<double> rate;        // Theil–Sen of the bucket medians
  std::optional<double> floor_rate;  // Theil–Sen of the floor
  double r = 0;                      // rate, 0 when there is none
  double fr = 0;                     // floor rate, 0 when there is none
  // The same slopes over parts of the window (0 when a part has too few points).
  double r_floor_first_half = 0;
  double r_floor_last = 0;  // last quarter
  double r_med_first_half = 0;
  double r_med_last = 0;  // last quarter

  // Levels: the lowest bucket median of the first quarter (or the median of the first three
  // samples, if lower: a warm-up may be over within the first bucket), the median bucket median
  // of the first quarter, of the last quarter and of the whole window.
  double l_start = 0;
  double l_first = 0;
  double l_end = 0;
  double level = 0;

  double sigma_diff = 0;  // robust sigma of consecutive differences
  double noise = 0;       // sample-to-sample noise: sigma_diff / sqrt(2)
  double res_lo = 0;      // 2% quantile of the residuals around the trend line
  double res_hi = 0;      // 98% quantile of the residuals
  double sigma_res = 0;   // robust sigma of the residuals

  double base = 1;  // the floor at the start of the window, >= 1
};

// Needs at least 3 samples and span > 0.
WindowStats window_stats(std::span<const Sample> window);

// Big jumps (classify.h): drops are runs of falling samples (a GC may take two samples to
// release); rises are single-sample jumps (a sawtooth's ramp rises gradually, a spike does not).
struct Jumps {
  int drops = 0;
  int rises = 0;
  std::vector<Sample> troughs;  // where each big drop ended
};

// The jumps larger than max(25% of the 2..98% residual range, 5 * difference noise).
Jumps big_jumps(std::span<const Sample> window, const WindowStats& w);

// >= 2 drops and at most half as many rises.
bool is_sawtooth(const Jumps& j);

// --- robust helpers shared with the rules ----------------------------------------------------

// Theil–Sen over the points of `pts` with from <= t <= to.
std::optional<double> slope_between(std::span<const Sample> pts, double from, double to);

// Fraction of rising (>=) consecutive pairs; 0 with fewer than 2 values.
double rising_fraction(std::span<const double> v);

// The lowest value(item) in each of min(max_groups, items.size()) consecutive groups of near-equal
// size, in order: what "floor-rise consistency" compares.
template <typename T, typename ValueOf>
std::vector<double> group_lows(std::span<const T> items, std::size_t max_groups, ValueOf value) {
  const std::size_t groups = std::min(max_groups, items.size());
  std::vector<double> low(groups, std::numeric_limits<double>::infinity());
  for (std::size_t i = 0; i < items.size(); ++i) {
    const std::size_t g = i * groups / items.size();
    low[g] = std::min(low[g], value(items[i]));
  }
  return low;
}

// Sum of the `k` largest values of `v` (reorders it).
double top_sum(std::vector<double>& v, std::size_t k);

}  // namespace lw::analysis::classify_detail
