#include "analysis/growth.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>

#include "analysis/robust_stats.h"

namespace lw::analysis {

namespace {

// Theil–Sen over k points given by accessors; the slope buffer lives on the stack for bucket
// representatives, so the hot path does not allocate.
template <typename GetT, typename GetV>
std::optional<double> theil_sen_impl(std::size_t k, GetT get_t, GetV get_v) {
  if (k < 2) {
    return std::nullopt;
  }
  constexpr std::size_t kStackPoints = kMaxBuckets + 4;
  std::array<double, kStackPoints*(kStackPoints - 1) / 2> stack;  // filled before read
  std::vector<double> heap;
  std::span<double> slopes(stack);
  if (k > kStackPoints) {
    heap.resize(k * (k - 1) / 2);
    slopes = heap;
  }
  std::size_t m = 0;
  for (std::size_t i = 0; i < k; ++i) {
    const double ti = get_t(i);
    const double vi = get_v(i);
    for (std::size_t j = i + 1; j < k; ++j) {
      const double dt = get_t(j) - ti;
      if (dt != 0) {
        slopes[m++] = (get_v(j) - vi) / dt;
      }
    }
  }
  if (m == 0) {
    return std::nullopt;
  }
  return median_in_place(slopes.first(m));
}

}  // namespace

std::vector<Bucket> bucketize(std::span<const Sample> samples, std::size_t max_buckets) {
  std::vector<Bucket> out;
  const std::size_t n = samples.size();
  if (n == 0) {
    return out;
  }
  const double t0 = samples.front().t;
  const double span = samples.back().t - t0;
  if (max_buckets == 0) {
    max_buckets = 1;
  }
  if (n <= max_buckets) {
    out.reserve(n);
    for (const Sample& s : samples) {
      out.push_back({.t = s.t, .median = s.v, .low = s.v, .count = 1});
    }
    return out;
  }
  out.reserve(max_buckets);
  // Buckets are [t0 + b*w, t0 + (b+1)*w). The boundaries carry a relative slack of 1e-9 of a
  // bucket so that a sample sitting exactly on one stays in the same bucket when every time is
  // rescaled (the time-scale invariance the tests check), whatever the rounding of t * scale.
  const double width = span / static_cast<double>(max_buckets);
  std::vector<double> scratch;
  scratch.reserve(2 * n / max_buckets + 4);
  std::size_t i = 0;
  std::size_t b = 0;
  while (i < n) {
    // The first bucket whose end lies after samples[i].
    while (b + 1 < max_buckets &&
           samples[i].t - t0 >= (static_cast<double>(b + 1) - 1e-9) * width) {
      ++b;
    }
    const double end = b + 1 < max_buckets ? (static_cast<double>(b + 1) - 1e-9) * width
                                           : std::numeric_limits<double>::infinity();
    std::size_t j = i + 1;
    while (j < n && samples[j].t - t0 < end) {
      ++j;
    }
    scratch.clear();
    double t_sum = 0;
    double lo = std::numeric_limits<double>::infinity();
    double hi = -std::numeric_limits<double>::infinity();
    for (std::size_t k = i; k < j; ++k) {
      const double v = samples[k].v;
      scratch.push_back(v);
      t_sum += samples[k].t - t0;
      lo = std::min(lo, v);
      hi = std::max(hi, v);
    }
    const std::size_t count = j - i;
    // A bucket that held one value (most buckets of a series that moves now and then) needs no
    // selection.
    out.push_back({.t = t0 + t_sum / static_cast<double>(count),
                   .median = lo == hi ? lo : median_in_place(scratch),
                   .low = lo,
                   .count = count});
    i = j;
  }
  return out;
}

std::optional<double> theil_sen(std::span<const Sample> points) {
  return theil_sen_impl(
      points.size(), [&](std::size_t i) { return points[i].t; },
      [&](std::size_t i) { return points[i].v; });
}

std::optional<double> robust_slope(std::span<const Sample> samples) {
  if (samples.size() < 3) {
    return std::nullopt;
  }
  const std::vector<Bucket> b = bucketize(samples);
  return theil_sen_impl(
      b.size(), [&](std::size_t i) { return b[i].t; }, [&](std::size_t i) { return b[i].median; });
}

std::vector<Sample> floor_of(std::span<const Bucket> buckets) {
  std::vector<Sample> out(buckets.size());
  double running = std::numeric_limits<double>::infinity();
  for (std::size_t i = buckets.size(); i-- > 0;) {
    running = std::min(running, buckets[i].low);
    out[i] = {.t = buckets[i].t, .v = running};
  }
  return out;
}

std::vector<Sample> floor_series(std::span<const Sample> samples, std::size_t max_buckets) {
  return floor_of(bucketize(samples, max_buckets));
}

std::optional<double> floor_slope(std::span<const Sample> samples) {
  if (samples.size() < 3) {
    return std::nullopt;
  }
  const std::vector<Sample> f = floor_series(samples);
  return theil_sen(f);
}

std::optional<double> seconds_to_limit(double current, double rate_per_second, double limit) {
  if (current >= limit) {
    return 0.0;
  }
  if (!std::isfinite(rate_per_second) || rate_per_second <= 0) {
    return std::nullopt;
  }
  return (limit - current) / rate_per_second;
}

}  // namespace lw::analysis
