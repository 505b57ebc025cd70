#pragma once

// Robust trend estimation over one series (one (pid, starttime), one cgroup, the host): pure
// functions of the samples. Time is always an input (t in seconds, any origin); nothing here reads
// a clock.
//
// Estimator: Theil–Sen over bucket representatives. The window is split into at most
// kMaxBuckets equal-TIME buckets (not equal-count: a late or irregular sample, or a gap, then
// changes only which bucket a sample falls in, never the weight of a time span); each non-empty
// bucket is represented by (mean time, median value), and the slope is the median of all pairwise
// slopes between representatives. Why this one:
//   - the per-bucket median absorbs a single spike or a single GC drop inside a bucket, and
//     Theil–Sen's 29% breakdown point absorbs whole buckets that are off (a burst, a gap edge);
//     least squares is dragged by any one of them;
//   - bucketing is O(n) and bounds the quadratic part to 40*39/2 = 780 slopes: a window of 2,160
//     samples (6 h at 10 s) costs ~10-15 us for robust_slope() and ~30 us for classify() at -O2
//     (the [.bench] test case) — the scanner runs these for every process, every window, every
//     scan (2,000 processes x 3 windows). 40 buckets rather than 60 halves the cost; with 54
//     samples per bucket (6 h) or 2 (15 m) the estimate is as good;
//   - Siegel's repeated medians has a better breakdown point (50%) but costs twice the slopes
//     for the same buckets, and the bucket medians already remove the outliers it would resist.
// Windows with at most kMaxBuckets samples use one bucket per sample (plain Theil–Sen).

#include <cstddef>
#include <optional>
#include <span>
#include <vector>

namespace lw::analysis {

// One reading: t in seconds (any origin, strictly increasing within a series), v in the series'
// unit (bytes, or a count of FDs).
struct Sample {
  double t = 0;
  double v = 0;
};

inline constexpr std::size_t kMaxBuckets = 40;

// One equal-time bucket of a series.
struct Bucket {
  double t = 0;       // mean time of its samples
  double median = 0;  // median value: the bucket's representative level
  double low = 0;     // smallest value (a GC trough may be a single sample: it is real)
  std::size_t count = 0;
};

// Splits `samples` into at most `max_buckets` equal-time buckets over [first t, last t] and
// returns the non-empty ones in time order. With <= max_buckets samples, one bucket per sample.
// Empty input or a zero span gives at most one bucket.
std::vector<Bucket> bucketize(std::span<const Sample> samples,
                              std::size_t max_buckets = kMaxBuckets);

// Median of the pairwise slopes (dv/dt) between points with distinct t. O(k^2): meant for bucket
// representatives (k <= kMaxBuckets), not raw series. nullopt with < 2 distinct times.
std::optional<double> theil_sen(std::span<const Sample> points);

// The robust trend of a series in units/second (see the top of this file). nullopt with fewer
// than 3 samples or fewer than 2 distinct times.
std::optional<double> robust_slope(std::span<const Sample> samples);

// "The floor": for each bucket (t = bucket time), the lowest robust level the series reaches from
// that bucket to the end of the window (a suffix minimum of the per-bucket lows). It is
// non-decreasing by construction and rises only where memory is never given back later in the
// window, which is exactly the leak signal: a GC sawtooth with a stable floor has a flat floor
// (every tooth falls back to it), a leak — sawtooth or not — has a rising one. A plain series of
// per-bucket minima would not do: with teeth longer than a bucket it is itself a sawtooth, and
// Theil–Sen over few teeth is biased upwards.
std::vector<Sample> floor_series(std::span<const Sample> samples,
                                 std::size_t max_buckets = kMaxBuckets);
// Same, from buckets already computed.
std::vector<Sample> floor_of(std::span<const Bucket> buckets);

// Theil–Sen slope of floor_series() in units/second. nullopt as robust_slope().
std::optional<double> floor_slope(std::span<const Sample> samples);

// Seconds until `current` reaches `limit` at `rate_per_second`: 0 when already at or over the
// limit, nullopt when not growing (rate <= 0 or not finite).
std::optional<double> seconds_to_limit(double current, double rate_per_second, double limit);

}  // namespace lw::analysis
