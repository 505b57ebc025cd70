#include "analysis/classify_window.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <functional>
#include <limits>
#include <vector>

#include "analysis/robust_stats.h"

namespace lw::analysis::classify_detail {

namespace {

// The spread statistics look at most ~kSpreadSamples evenly spaced samples (as difference_noise).
constexpr std::size_t kSpreadSamples = 512;

// The q-quantile (0..1, nearest rank) of `v`; reorders it.
double quantile_in_place(std::vector<double>& v, double q) {
  if (v.empty()) {
    return 0;
  }
  const auto k = static_cast<std::size_t>(std::lround(q * static_cast<double>(v.size() - 1)));
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
  return v[k];
}

// Buckets, floor, medians, and the slopes of the floor and the medians over the window and its
// parts.
void measure_trends(std::span<const Sample> window, WindowStats& w) {
  w.buckets = bucketize(window);
  w.floor = floor_of(w.buckets);
  w.medians.reserve(w.buckets.size());
  for (const Bucket& b : w.buckets) {
    w.medians.push_back({.t = b.t, .v = b.median});
  }
  w.rate = theil_sen(w.medians);
  w.floor_rate = theil_sen(w.floor);
  w.r = w.rate.value_or(0);
  w.fr = w.floor_rate.value_or(0);
  w.r_floor_first_half = slope_between(w.floor, w.t0, w.half).value_or(0);
  w.r_floor_last = slope_between(w.floor, w.q4_start, w.t1).value_or(0);
  w.r_med_last = slope_between(w.medians, w.q4_start, w.t1).value_or(0);
  w.r_med_first_half = slope_between(w.medians, w.t0, w.half).value_or(0);
  w.base = std::max(w.floor.front().v, 1.0);
}

// The bucket medians with from <= t <= to, into `out`.
void medians_between(const WindowStats& w, double from, double to, std::vector<double>& out) {
  out.clear();
  for (const Sample& m : w.medians) {
    if (m.t >= from && m.t <= to) {
      out.push_back(m.v);
    }
  }
}

void measure_levels(std::span<const Sample> window, WindowStats& w, std::vector<double>& scratch) {
  w.l_start = std::numeric_limits<double>::infinity();
  for (const Sample& m : w.medians) {
    if (m.t <= w.q1_end) {
      w.l_start = std::min(w.l_start, m.v);
    }
  }
  medians_between(w, w.t0, w.q1_end, scratch);
  w.l_first = median_in_place(scratch);
  std::array<double, 3> head{};
  const std::size_t k = std::min<std::size_t>(3, window.size());
  for (std::size_t i = 0; i < k; ++i) {
    head[i] = window[i].v;
  }
  std::sort(head.begin(), head.begin() + static_cast<std::ptrdiff_t>(k));
  w.l_start = std::min(w.l_start, head[k / 2]);
  medians_between(w, w.q4_start, w.t1, scratch);
  w.l_end = median_in_place(scratch);
  medians_between(w, w.t0, w.t1, scratch);
  w.level = median_in_place(scratch);
}

// Sample-to-sample noise, and the spread of the samples around the trend line.
void measure_spread(std::span<const Sample> window, WindowStats& w, std::vector<double>& scratch) {
  const std::size_t n = window.size();
  const std::size_t stride = (n + kSpreadSamples - 1) / kSpreadSamples;
  w.noise = difference_noise(window, scratch);
  w.sigma_diff = w.noise * std::sqrt(2.0);

  // Residuals from the line (intercept, rate), the intercept being their median over the buckets.
  scratch.clear();
  for (const Bucket& b : w.buckets) {
    scratch.push_back(b.median - w.r * (b.t - w.t0));
  }
  const double intercept = median_in_place(scratch);
  scratch.clear();
  for (std::size_t i = 0; i < n; i += stride) {
    scratch.push_back(window[i].v - (intercept + w.r * (window[i].t - w.t0)));
  }
  w.res_lo = quantile_in_place(scratch, 0.02);
  w.res_hi = quantile_in_place(scratch, 0.98);
  w.sigma_res = robust_sigma(scratch);
}

}  // namespace

WindowStats window_stats(std::span<const Sample> window) {
  WindowStats w;
  w.t0 = window.front().t;
  w.t1 = window.back().t;
  w.span = w.t1 - w.t0;
  w.q1_end = w.t0 + 0.25 * w.span;
  w.half = w.t0 + 0.5 * w.span;
  w.q4_start = w.t0 + 0.75 * w.span;
  measure_trends(window, w);
  std::vector<double> scratch;
  scratch.reserve(window.size());
  measure_levels(window, w, scratch);
  measure_spread(window, w, scratch);
  return w;
}

Jumps big_jumps(std::span<const Sample> s, const WindowStats& w) {
  const double tiny = 1e-9 * std::max(std::abs(w.level), 1.0);
  const double big = std::max({0.25 * (w.res_hi - w.res_lo), 5.0 * w.sigma_diff, tiny});
  Jumps j;
  double run = 0;
  for (std::size_t i = 1; i <= s.size(); ++i) {
    const double d = i < s.size() ? s[i].v - s[i - 1].v : 0;
    if (i < s.size() && d < 0) {
      run += d;
      continue;
    }
    if (run <= -big && run < 0) {
      ++j.drops;
      j.troughs.push_back(s[i - 1]);
    }
    run = 0;
    if (d >= big && d > 0) {
      ++j.rises;
    }
  }
  return j;
}

bool is_sawtooth(const Jumps& j) {
  return j.drops >= 2 && 2 * j.rises <= j.drops;
}

std::optional<double> slope_between(std::span<const Sample> pts, double from, double to) {
  std::size_t lo = 0;
  while (lo < pts.size() && pts[lo].t < from) {
    ++lo;
  }
  std::size_t hi = lo;
  while (hi < pts.size() && pts[hi].t <= to) {
    ++hi;
  }
  return theil_sen(pts.subspan(lo, hi - lo));
}

double rising_fraction(std::span<const double> v) {
  if (v.size() < 2) {
    return 0;
  }
  std::size_t up = 0;
  for (std::size_t i = 1; i < v.size(); ++i) {
    if (v[i] >= v[i - 1]) {
      ++up;
    }
  }
  return static_cast<double>(up) / static_cast<double>(v.size() - 1);
}

double top_sum(std::vector<double>& v, std::size_t k) {
  k = std::min(k, v.size());
  std::partial_sort(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end(),
                    std::greater<>());
  double sum = 0;
  for (std::size_t i = 0; i < k; ++i) {
    sum += v[i];
  }
  return sum;
}

}  // namespace lw::analysis::classify_detail
