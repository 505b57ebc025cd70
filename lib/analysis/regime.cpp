#include "analysis/regime.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <vector>

#include "analysis/judge.h"
#include "analysis/robust_stats.h"

namespace lw::analysis {

namespace {

constexpr double kBucketsPerMinObserved = 8;
constexpr std::size_t kMaxFineBuckets = 256;
constexpr std::size_t kLeftBuckets = 4;   // history needed before a change
constexpr std::size_t kOnsetBuckets = 4;  // min_observed / 2 of rise after an onset
constexpr std::size_t kStopBuckets = 5;   // 5/8 of min_observed flat after a leak
constexpr std::size_t kJumpBuckets = 8;   // min_observed flat after a jump
constexpr double kEarlierLevelQuantile = 0.9;

// One fine bucket: its first sample's time, its mean time, its median and its highest value.
struct FineBucket {
  double first_t = 0;
  double t = 0;
  double median = 0;
  double high = 0;
};

std::vector<FineBucket> fine_buckets(std::span<const Sample> s, double width) {
  std::vector<FineBucket> out;
  std::vector<double> values;
  std::size_t i = 0;
  while (i < s.size()) {
    const auto index = std::floor((s[i].t - s.front().t) / width);
    const double end = s.front().t + (index + 1) * width;
    FineBucket b{.first_t = s[i].t};
    double t_sum = 0;
    values.clear();
    for (; i < s.size() && s[i].t < end; ++i) {
      t_sum += s[i].t;
      values.push_back(s[i].v);
    }
    b.t = t_sum / static_cast<double>(values.size());
    const auto [low, high] = std::minmax_element(values.begin(), values.end());
    b.high = *high;
    b.median = *low == *high ? *high : median_in_place(values);  // one value: nothing to select
    out.push_back(b);
  }
  return out;
}

// A least-squares line over a range of points, from prefix sums.
struct Line {
  double slope = 0;
  double intercept = 0;  // at t = 0 of the relative time axis
  double sse = 0;
  double at(double t) const { return intercept + slope * t; }
};

class LineFitter {
 public:
  LineFitter(std::span<const double> t, std::span<const double> v) : sums_(t.size() + 1) {
    for (std::size_t i = 0; i < t.size(); ++i) {
      const Sums& p = sums_[i];
      sums_[i + 1] = {p.t + t[i], p.v + v[i], p.tt + t[i] * t[i], p.tv + t[i] * v[i],
                      p.vv + v[i] * v[i]};
    }
  }

  // The line through points [from, to).
  Line fit(std::size_t from, std::size_t to) const {
    const Sums& a = sums_[from];
    const Sums& b = sums_[to];
    const auto n = static_cast<double>(to - from);
    const double st = b.t - a.t;
    const double sv = b.v - a.v;
    const double stt = b.tt - a.tt;
    const double stv = b.tv - a.tv;
    const double svv = b.vv - a.vv;
    Line line;
    const double den = n * stt - st * st;
    line.slope = den > 0 ? (n * stv - st * sv) / den : 0;
    line.intercept = (sv - line.slope * st) / n;
    line.sse = std::max(0.0, svv - line.intercept * sv - line.slope * stv);
    return line;
  }

 private:
  struct Sums {
    double t = 0, v = 0, tt = 0, tv = 0, vv = 0;
  };
  std::vector<Sums> sums_;
};

// The floor over the fine buckets and what the split tests read.
struct Floor {
  std::vector<FineBucket> buckets;
  std::vector<double> t;       // bucket mean time, relative to the first bucket
  std::vector<double> level;   // suffix minimum of the medians, relative to the first median
  std::vector<double> median;  // the medians, relative likewise
  std::vector<double> high;    // the highest values, relative likewise
  double origin = 0;           // the first median (levels are relative to it)
};

Floor floor_of_buckets(std::vector<FineBucket> buckets) {
  Floor f;
  f.buckets = std::move(buckets);
  const std::size_t k = f.buckets.size();
  f.origin = f.buckets.front().median;
  f.t.resize(k);
  f.level.resize(k);
  f.median.resize(k);
  f.high.resize(k);
  double low = f.buckets.back().median;
  for (std::size_t i = k; i-- > 0;) {
    low = std::min(low, f.buckets[i].median);
    f.t[i] = f.buckets[i].t - f.buckets.front().t;
    f.level[i] = low - f.origin;
    f.median[i] = f.buckets[i].median - f.origin;
    f.high[i] = f.buckets[i].high - f.origin;
  }
  return f;
}

// The 90th percentile of the highest values of buckets [from, to): "the levels seen before" a
// change (a sawtooth's peaks), robust to one burst.
double earlier_level(const Floor& f, std::size_t from, std::size_t to) {
  std::vector<double> v(f.high.begin() + static_cast<std::ptrdiff_t>(from),
                        f.high.begin() + static_cast<std::ptrdiff_t>(to));
  const auto k = static_cast<std::size_t>(
      std::lround(kEarlierLevelQuantile * static_cast<double>(v.size() - 1)));
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
  return v[k];
}

// Which change, if any, the split of [lo, k) at j is.
Regime::Change judge_split(const Floor& f, const LineFitter& fitter, std::size_t lo, std::size_t j,
                           const Thresholds& th, double noise) {
  const std::size_t k = f.t.size();
  const Line left = fitter.fit(lo, j);
  const Line right = fitter.fit(j, k);
  const Judge judge(th, std::max(f.level[j] + f.origin, 1.0), noise);
  const std::size_t right_n = k - j;
  const double before = earlier_level(f, lo, j);
  const double rise = right.slope * (f.t[k - 1] - f.t[j]);
  if (right_n >= kOnsetBuckets && judge.rate_significant(right.slope) &&
      left.slope <= 0.5 * right.slope && rise >= kNoiseMultiple * noise &&
      f.level[k - 1] > before + 2 * noise) {
    return Regime::Change::kOnset;
  }
  if (right_n >= kStopBuckets && judge.rate_significant(left.slope) &&
      right.slope <= 0.25 * left.slope && !judge.rate_significant(right.slope)) {
    return Regime::Change::kStop;
  }
  const double jump = right.at(f.t[j]) - left.at(f.t[j]);
  if (right_n >= kJumpBuckets && !judge.rate_significant(left.slope) &&
      !judge.rate_significant(right.slope) && judge.change_significant(jump) &&
      f.level[j] > before + 2 * noise) {
    return Regime::Change::kJump;
  }
  return Regime::Change::kNone;
}

// The split of [lo, k) where two lines fit the floor best; k when there is no room for one.
std::size_t best_split(const Floor& f, const LineFitter& fitter, std::size_t lo) {
  const std::size_t k = f.t.size();
  std::size_t best = k;
  double best_sse = 0;
  for (std::size_t j = lo + kLeftBuckets; j + kOnsetBuckets <= k; ++j) {
    const double sse = fitter.fit(lo, j).sse + fitter.fit(j, k).sse;
    if (best == k || sse < best_sse) {
      best = j;
      best_sse = sse;
    }
  }
  return best;
}

// 2 for a leak, 1 for growing, 0 otherwise.
int growth_rank(const Verdict& v) {
  return v.pattern == Pattern::kLeak ? 2 : v.pattern == Pattern::kGrowing ? 1 : 0;
}

// Whether the current regime's verdict replaces the window's (see classify_regime()). After an
// onset the regime must say growth at least as strongly as the window: a young faster regime does
// not downgrade a leak the window already shows. After a jump, always: it is a step (or a warm-up),
// whatever the window's average says. After a stop, whenever either says growth: that is how a
// leak that ended leaves the suspect state.
bool use_regime(Regime::Change change, const Verdict& current, const Verdict& window) {
  switch (change) {
    case Regime::Change::kOnset:
      return growth_rank(current) > 0 && growth_rank(current) >= growth_rank(window);
    case Regime::Change::kJump:
      return true;
    case Regime::Change::kStop:
      return growth_rank(current) > 0 || growth_rank(window) > 0;
    case Regime::Change::kNone:
      return false;
  }
  return false;
}

}  // namespace

std::string_view change_name(Regime::Change c) {
  switch (c) {
    case Regime::Change::kNone:
      return "none";
    case Regime::Change::kOnset:
      return "onset";
    case Regime::Change::kStop:
      return "stop";
    case Regime::Change::kJump:
      return "jump";
  }
  return "none";
}

Regime current_regime(std::span<const Sample> samples, const Thresholds& th) {
  Regime regime;
  if (samples.empty()) {
    return regime;
  }
  regime.start_t = regime.context_t = samples.front().t;
  const double span = samples.back().t - samples.front().t;
  const double width = std::max(th.min_observed_seconds / kBucketsPerMinObserved,
                                span / static_cast<double>(kMaxFineBuckets));
  if (!(width > 0) || !(span > 0)) {
    return regime;
  }
  const Floor f = floor_of_buckets(fine_buckets(samples, width));
  const LineFitter fitter(f.t, f.level);
  std::vector<double> scratch;
  const double noise = difference_noise(samples, scratch);
  std::size_t lo = 0;
  for (;;) {
    const std::size_t j = best_split(f, fitter, lo);
    if (j == f.t.size()) {
      break;
    }
    const Regime::Change change = judge_split(f, fitter, lo, j, th, noise);
    if (change == Regime::Change::kNone) {
      break;
    }
    regime.change = change;
    regime.start_t = f.buckets[j].first_t;
    regime.context_t = f.buckets[j >= lo + kLeftBuckets ? j - kLeftBuckets : lo].first_t;
    lo = j;
  }
  return regime;
}

RegimeVerdict classify_regime(std::span<const Sample> samples, double process_age_seconds,
                              const Thresholds& th) {
  RegimeVerdict out;
  out.verdict = classify(samples, process_age_seconds, th);
  out.window_rate = out.verdict.rate_per_second;
  out.regime = current_regime(samples, th);
  if (out.regime.change == Regime::Change::kNone) {
    return out;
  }
  const double from =
      out.regime.change == Regime::Change::kJump ? out.regime.context_t : out.regime.start_t;
  const auto first = std::lower_bound(samples.begin(), samples.end(), from,
                                      [](const Sample& a, double t) { return a.t < t; });
  const Verdict current = classify(
      samples.subspan(static_cast<std::size_t>(first - samples.begin())), process_age_seconds, th);
  if (use_regime(out.regime.change, current, out.verdict)) {
    out.verdict = current;
    out.from_regime = true;
  }
  return out;
}

}  // namespace lw::analysis
