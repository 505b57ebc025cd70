#include "analysis/classify.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <functional>
#include <limits>
#include <vector>

namespace lw::analysis {

namespace {

constexpr double kMadToSigma = 1.4826;  // MAD of a normal distribution -> its sigma
constexpr double kNoiseMultiple = 4.0;  // a change must exceed this many noise sigmas
constexpr std::size_t kJumps = 6;       // "few jumps": a step, even split across buckets
constexpr double kJumpShare = 0.8;      // share of a rise carried by those jumps for a step
constexpr std::size_t kConsistencyGroups = 12;
constexpr std::size_t kSpreadSamples = 512;

double median_in_place(std::vector<double>& v) {
  if (v.empty()) {
    return 0;
  }
  const std::size_t mid = v.size() / 2;
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(mid), v.end());
  const double upper = v[mid];
  if (v.size() % 2 == 1) {
    return upper;
  }
  return (*std::max_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(mid)) + upper) / 2;
}

// 1.4826 * median absolute deviation from the median: a robust sigma. Reorders `v`.
double robust_sigma(std::vector<double>& v) {
  if (v.empty()) {
    return 0;
  }
  const double med = median_in_place(v);
  for (double& x : v) {
    x = std::abs(x - med);
  }
  return kMadToSigma * median_in_place(v);
}

// The q-quantile (0..1, nearest rank) of `v`; reorders it.
double quantile_in_place(std::vector<double>& v, double q) {
  if (v.empty()) {
    return 0;
  }
  const auto k = static_cast<std::size_t>(std::lround(q * static_cast<double>(v.size() - 1)));
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
  return v[k];
}

// Theil–Sen over the points of `pts` with from <= t <= to.
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

// Fraction of rising (>=) consecutive pairs; 0 with fewer than 2 values.
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

// Sum of the `k` largest values of `v` (reorders it).
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

class Judge {
 public:
  Judge(const Thresholds& th, double base, double noise)
      : th_(th), hour_(th.hour_seconds()), base_(base), noise_(noise) {}

  // A rate that the thresholds consider growth.
  bool rate_significant(double r) const {
    if (!(r > 0)) {
      return false;
    }
    const double per_hour = r * hour_;
    return per_hour >= th_.min_growth_bytes_per_hour &&
           per_hour / base_ >= th_.min_growth_ratio_per_hour;
  }
  bool rate_significant(const std::optional<double>& r) const { return r && rate_significant(*r); }

  // A change (in units) as large as a threshold leak adds in one hour, and above the noise.
  bool change_significant(double d) const {
    return d > 0 && d >= th_.min_growth_bytes_per_hour &&
           d >= th_.min_growth_ratio_per_hour * base_ && d >= kNoiseMultiple * noise_;
  }

  // How many times the thresholds the rate is (the smaller of the two); 0 when not growing.
  double margin(double r) const {
    if (!(r > 0)) {
      return 0;
    }
    const double per_hour = r * hour_;
    double m = std::numeric_limits<double>::infinity();
    if (th_.min_growth_bytes_per_hour > 0) {
      m = std::min(m, per_hour / th_.min_growth_bytes_per_hour);
    }
    if (th_.min_growth_ratio_per_hour > 0) {
      m = std::min(m, per_hour / base_ / th_.min_growth_ratio_per_hour);
    }
    return std::isfinite(m) ? m : 4.0;  // no thresholds at all: any growth counts fully
  }

 private:
  const Thresholds& th_;
  double hour_;
  double base_;
  double noise_;
};

struct Jumps {
  int drops = 0;
  int rises = 0;
  std::vector<Sample> troughs;  // where each big drop ended
};

// Big drops are runs of falling samples (a GC may take two samples to release); big rises are
// single-sample jumps (a sawtooth's ramp rises gradually, a spike does not).
Jumps find_jumps(std::span<const Sample> s, double big) {
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

}  // namespace

std::string_view pattern_name(Pattern p) {
  switch (p) {
    case Pattern::kFlat:
      return "flat";
    case Pattern::kWarmup:
      return "warmup";
    case Pattern::kSawtooth:
      return "sawtooth";
    case Pattern::kStep:
      return "step";
    case Pattern::kNoisy:
      return "noisy";
    case Pattern::kGrowing:
      return "growing";
    case Pattern::kLeak:
      return "leak";
  }
  return "flat";
}

Verdict classify(std::span<const Sample> window, double process_age_seconds, const Thresholds& th) {
  Verdict out;
  const std::size_t n = window.size();
  if (n == 0) {
    return out;
  }
  const double t0 = window.front().t;
  const double t1 = window.back().t;
  const double span = t1 - t0;
  out.observed_seconds = std::max(0.0, span);
  if (n < 3 || !(span > 0)) {
    return out;
  }

  // --- features ------------------------------------------------------------------------------
  const std::vector<Bucket> buckets = bucketize(window);
  const std::vector<Sample> floor = floor_of(buckets);
  std::vector<Sample> medians;
  medians.reserve(buckets.size());
  for (const Bucket& b : buckets) {
    medians.push_back({.t = b.t, .v = b.median});
  }
  const std::optional<double> rate = theil_sen(medians);
  const std::optional<double> floor_rate = theil_sen(floor);
  out.rate_per_second = rate;
  out.floor_rate_per_second = floor_rate;

  const double q1_end = t0 + 0.25 * span;
  const double half = t0 + 0.5 * span;
  const double q4_start = t0 + 0.75 * span;
  const double r_floor_first_half = slope_between(floor, t0, half).value_or(0);
  const double r_floor_last = slope_between(floor, q4_start, t1).value_or(0);
  const double r_med_last = slope_between(medians, q4_start, t1).value_or(0);
  const double r_med_first_half = slope_between(medians, t0, half).value_or(0);

  std::vector<double> scratch;
  scratch.reserve(n);
  // Levels: the lowest and the median bucket median of the first quarter (the lowest also looks
  // at the median of the first three samples: a warm-up may be over within the first bucket), the
  // median of the last quarter, the median over the window.
  double l_start = std::numeric_limits<double>::infinity();
  for (const Sample& m : medians) {
    if (m.t <= q1_end) {
      l_start = std::min(l_start, m.v);
    }
  }
  const auto collect = [&](double from, double to) {
    scratch.clear();
    for (const Sample& m : medians) {
      if (m.t >= from && m.t <= to) {
        scratch.push_back(m.v);
      }
    }
  };
  collect(t0, q1_end);
  const double l_first = median_in_place(scratch);
  {
    std::array<double, 3> head{};
    const std::size_t k = std::min<std::size_t>(3, n);
    for (std::size_t i = 0; i < k; ++i) {
      head[i] = window[i].v;
    }
    std::sort(head.begin(), head.begin() + static_cast<std::ptrdiff_t>(k));
    l_start = std::min(l_start, head[k / 2]);
  }
  collect(q4_start, t1);
  const double l_end = median_in_place(scratch);
  collect(t0, t1);
  const double level = median_in_place(scratch);

  // The spread statistics below look at most ~kSpreadSamples evenly spaced samples: robust
  // statistics of 512 points are as good as of 2,160, and this keeps classify() cheap.
  const std::size_t stride = (n + kSpreadSamples - 1) / kSpreadSamples;

  // Sample-to-sample noise from the consecutive differences.
  scratch.clear();
  for (std::size_t i = 1; i < n; i += stride) {
    scratch.push_back(window[i].v - window[i - 1].v);
  }
  const double sigma_diff = robust_sigma(scratch);
  const double noise = sigma_diff / std::sqrt(2.0);

  // Spread around the trend line: residuals from (intercept, rate).
  const double r = rate.value_or(0);
  scratch.clear();
  for (const Bucket& b : buckets) {
    scratch.push_back(b.median - r * (b.t - t0));
  }
  const double intercept = median_in_place(scratch);
  scratch.clear();
  for (std::size_t i = 0; i < n; i += stride) {
    scratch.push_back(window[i].v - (intercept + r * (window[i].t - t0)));
  }
  const double res_lo = quantile_in_place(scratch, 0.02);
  const double res_hi = quantile_in_place(scratch, 0.98);
  const double sigma_res = robust_sigma(scratch);

  const double base = std::max(floor.front().v, 1.0);
  const Judge judge(th, base, noise);

  const double tiny = 1e-9 * std::max(std::abs(level), 1.0);
  const double big = std::max({0.25 * (res_hi - res_lo), 5.0 * sigma_diff, tiny});
  const Jumps jumps = find_jumps(window, big);
  const bool sawtooth = jumps.drops >= 2 && 2 * jumps.rises <= jumps.drops;

  // Floor-rise consistency over <= 12 groups of buckets.
  const std::size_t groups = std::min(kConsistencyGroups, buckets.size());
  std::vector<double> group_low(groups, std::numeric_limits<double>::infinity());
  for (std::size_t i = 0; i < buckets.size(); ++i) {
    const std::size_t g = i * groups / buckets.size();
    group_low[g] = std::min(group_low[g], buckets[i].low);
  }
  const double consistency = rising_fraction(group_low);

  // --- rule 1: leak-like -----------------------------------------------------------------------
  const double fr = floor_rate.value_or(0);
  const double growth = std::min(r, fr);
  // A sawtooth is judged by its troughs only: the floor of its last, unfinished tooth rises
  // along the ramp and would look like a leak in a short window.
  const bool judge_by_troughs = sawtooth;
  // Across the window and still in its last quarter. The floor of a part can only show a rise
  // larger than the noise; when the expected rise is within it, the medians decide alone —
  // unless the series has big drops: then the floor, which they reset, must show the rise.
  const auto floor_rises = [&](double part_rate, double part_seconds, double share) {
    return part_rate >= share * fr ||
           (jumps.drops == 0 && fr * part_seconds < kNoiseMultiple * noise);
  };
  const bool general_leak = !judge_by_troughs && judge.rate_significant(growth) &&
                            floor.back().v - floor.front().v >= kNoiseMultiple * noise &&
                            floor_rises(r_floor_first_half, half - t0, 0.25) &&
                            r_med_first_half >= 0.25 * r &&
                            floor_rises(r_floor_last, t1 - q4_start, 0.5) && r_med_last >= 0.5 * r;

  bool sawtooth_leak = false;
  double trough_growth = 0;
  double trough_persistence = 0;
  if (judge_by_troughs) {
    // The troughs are a series of their own; with many teeth, reduce them to bucket medians
    // first, like samples.
    const std::vector<Bucket> trough_buckets = bucketize(jumps.troughs);
    std::vector<Sample> levels;
    levels.reserve(trough_buckets.size());
    for (const Bucket& b : trough_buckets) {
      levels.push_back({.t = b.t, .v = b.median});
    }
    const double trough_rate = theil_sen(levels).value_or(0);
    trough_growth = std::min(trough_rate, r);
    // Consistency over <= 12 groups of troughs (per-tooth steps can be smaller than the noise).
    const std::size_t tg = std::min(kConsistencyGroups, jumps.troughs.size());
    std::vector<double> trough_low(tg, std::numeric_limits<double>::infinity());
    for (std::size_t i = 0; i < jumps.troughs.size(); ++i) {
      const std::size_t g = i * tg / jumps.troughs.size();
      trough_low[g] = std::min(trough_low[g], jumps.troughs[i].v);
    }
    const double trough_consistency = rising_fraction(trough_low);
    // Still rising in the second half: its trough slope, or with too few teeth for a slope, the
    // latest trough being the highest so far.
    const std::optional<double> late = slope_between(levels, half, t1);
    bool persists = false;
    if (late && trough_rate > 0) {
      trough_persistence = std::clamp(*late / trough_rate, 0.0, 1.0);
      persists = *late >= 0.5 * trough_rate;
    } else {
      double highest_before = -std::numeric_limits<double>::infinity();
      for (std::size_t i = 0; i + 1 < jumps.troughs.size(); ++i) {
        highest_before = std::max(highest_before, jumps.troughs[i].v);
      }
      persists = jumps.troughs.back().v >= highest_before - 2 * noise;
      trough_persistence = persists ? 1.0 : 0.0;
    }
    sawtooth_leak = judge.rate_significant(trough_growth) && trough_consistency >= 0.75 &&
                    persists && judge.change_significant(trough_low.back() - trough_low.front());
  }

  double persistence = 0;
  if (fr * (t1 - q4_start) >= kNoiseMultiple * noise) {
    persistence = fr > 0 ? std::clamp(r_floor_last / fr, 0.0, 1.0) : 0.0;
  } else {
    persistence = r > 0 ? std::clamp(r_med_last / r, 0.0, 1.0) : 0.0;
  }
  double m = judge.margin(growth);
  if (judge_by_troughs) {
    persistence = trough_persistence;
    m = judge.margin(trough_growth);
  }
  out.score =
      std::clamp((0.4 * consistency + 0.3 * persistence + 0.3 * (1.0 - 0.5 / std::max(m, 1.0))) *
                     std::min(m, 1.0),
                 0.0, 1.0);

  // --- the rules, in the order of classify.h ----------------------------------------------------
  const bool young = !(process_age_seconds >= th.warmup_grace_seconds);
  const auto pick = [&]() -> Pattern {
    if (general_leak || sawtooth_leak) {  // 1
      return (span < th.min_observed_seconds || young) ? Pattern::kGrowing : Pattern::kLeak;
    }
    if (sawtooth) {  // 2
      return Pattern::kSawtooth;
    }
    if (jumps.rises >= 2 && jumps.drops >= 2) {  // 3: jumps both ways, no trend
      return Pattern::kNoisy;
    }
    std::vector<double> ups;
    std::vector<double> downs;
    for (std::size_t i = 1; i < medians.size(); ++i) {
      const double d = medians[i].v - medians[i - 1].v;
      (d > 0 ? ups : downs).push_back(std::abs(d));
    }
    const double rise = l_end - l_start;
    const bool levelled = !judge.rate_significant(r_med_last) && r_med_last <= 0.25 * rise / span;
    if (judge.change_significant(rise) && levelled) {  // 4
      double t90 = t1;
      for (const Sample& md : medians) {
        if (md.v >= l_start + 0.9 * rise) {
          t90 = md.t;
          break;
        }
      }
      const double started = t1 - process_age_seconds;
      const bool early_life =
          t90 - started <= std::max(th.warmup_grace_seconds, 0.25 * process_age_seconds);
      const bool jumpy = top_sum(ups, kJumps) >= kJumpShare * rise;
      return (jumpy && !early_life) ? Pattern::kStep : Pattern::kWarmup;
    }
    const double fall = l_first - l_end;
    if (judge.change_significant(fall) && top_sum(downs, kJumps) >= kJumpShare * fall) {  // 5
      return Pattern::kStep;
    }
    if (judge.rate_significant(r_med_last) && judge.rate_significant(r_floor_last) &&
        r_med_last * (t1 - q4_start) >= kNoiseMultiple * noise) {  // 6
      return Pattern::kGrowing;
    }
    if (sigma_res > 0 &&
        sigma_res >= std::max(th.min_growth_bytes_per_hour,
                              th.min_growth_ratio_per_hour * std::max(level, 1.0))) {  // 7
      return Pattern::kNoisy;
    }
    return Pattern::kFlat;  // 8
  };
  out.pattern = pick();

  if (out.pattern != Pattern::kLeak && out.pattern != Pattern::kGrowing) {
    out.score *= 0.5;  // growth evidence that the rules explained otherwise
  }
  out.suspect = out.pattern == Pattern::kLeak && out.score >= th.suspect_score &&
                process_age_seconds > th.warmup_grace_seconds && span >= th.min_observed_seconds;
  return out;
}

}  // namespace lw::analysis
