#include "analysis/classify.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <optional>
#include <span>
#include <utility>
#include <vector>

#include "analysis/classify_window.h"
#include "analysis/judge.h"

namespace lw::analysis {

namespace {

using classify_detail::Jumps;
using classify_detail::WindowStats;

constexpr std::size_t kJumps = 6;   // "few jumps": a step, even split across buckets
constexpr double kJumpShare = 0.8;  // share of a rise carried by those jumps for a step
constexpr std::size_t kConsistencyGroups = 12;

// What rule 1 found, and the inputs of the score that depend on how the growth was judged.
struct GrowthEvidence {
  bool leak_like = false;
  double persistence = 0;  // p of the score
  double margin = 0;       // m of the score
};

// Rule 1a (not a sawtooth): significant growth of medians and floor, across the window and still
// in its last quarter. The floor of a part can only show a rise larger than the noise; when the
// expected rise is within it, the medians decide alone — unless the series has big drops: then
// the floor, which they reset, must show the rise.
bool steady_growth(const WindowStats& w, const Jumps& jumps, const Judge& judge) {
  const auto floor_rises = [&](double part_rate, double part_seconds, double share) {
    return part_rate >= share * w.fr ||
           (jumps.drops == 0 && w.fr * part_seconds < kNoiseMultiple * w.noise);
  };
  return judge.rate_significant(std::min(w.r, w.fr)) &&
         w.floor.back().v - w.floor.front().v >= kNoiseMultiple * w.noise &&
         floor_rises(w.r_floor_first_half, w.half - w.t0, 0.25) &&
         w.r_med_first_half >= 0.25 * w.r && floor_rises(w.r_floor_last, w.t1 - w.q4_start, 0.5) &&
         w.r_med_last >= 0.5 * w.r;
}

// Persistence of steady growth: last-quarter floor rate / floor rate, or the median rates when
// the quarter's floor cannot resolve the rise.
double steady_persistence(const WindowStats& w) {
  if (w.fr * (w.t1 - w.q4_start) >= kNoiseMultiple * w.noise) {
    return w.fr > 0 ? std::clamp(w.r_floor_last / w.fr, 0.0, 1.0) : 0.0;
  }
  return w.r > 0 ? std::clamp(w.r_med_last / w.r, 0.0, 1.0) : 0.0;
}

GrowthEvidence judge_steady_growth(const WindowStats& w, const Jumps& jumps, const Judge& judge) {
  return {.leak_like = steady_growth(w, jumps, judge),
          .persistence = steady_persistence(w),
          .margin = judge.margin(std::min(w.r, w.fr))};
}

// Whether the troughs still rise in the second half, and how much (0..1): the second half's
// trough slope against the whole, or with too few teeth for a slope, the latest trough being the
// highest so far (within 2 * noise).
std::pair<bool, double> troughs_persist(const WindowStats& w, const Jumps& jumps,
                                        std::span<const Sample> levels, double trough_rate) {
  const std::optional<double> late = classify_detail::slope_between(levels, w.half, w.t1);
  if (late && trough_rate > 0) {
    return {*late >= 0.5 * trough_rate, std::clamp(*late / trough_rate, 0.0, 1.0)};
  }
  double highest_before = -std::numeric_limits<double>::infinity();
  for (std::size_t i = 0; i + 1 < jumps.troughs.size(); ++i) {
    highest_before = std::max(highest_before, jumps.troughs[i].v);
  }
  const bool persists = jumps.troughs.back().v >= highest_before - 2 * w.noise;
  return {persists, persists ? 1.0 : 0.0};
}

// Rule 1b (a sawtooth): judged by its troughs only, because the floor of its last, unfinished
// tooth climbs the ramp and would look like a leak in a short window.
GrowthEvidence judge_trough_growth(const WindowStats& w, const Jumps& jumps, const Judge& judge) {
  // The troughs are a series of their own; with many teeth, reduce them to bucket medians first,
  // like samples.
  const std::vector<Bucket> trough_buckets = bucketize(jumps.troughs);
  std::vector<Sample> levels;
  levels.reserve(trough_buckets.size());
  for (const Bucket& b : trough_buckets) {
    levels.push_back({.t = b.t, .v = b.median});
  }
  const double trough_rate = theil_sen(levels).value_or(0);
  const double growth = std::min(trough_rate, w.r);
  // Consistency over <= 12 groups of troughs (per-tooth steps can be smaller than the noise).
  const std::vector<double> lows =
      classify_detail::group_lows(std::span<const Sample>(jumps.troughs), kConsistencyGroups,
                                  [](const Sample& s) { return s.v; });
  const auto [persists, persistence] = troughs_persist(w, jumps, levels, trough_rate);
  const bool leak_like = judge.rate_significant(growth) &&
                         classify_detail::rising_fraction(lows) >= 0.75 && persists &&
                         judge.change_significant(lows.back() - lows.front());
  return {.leak_like = leak_like, .persistence = persistence, .margin = judge.margin(growth)};
}

// score = (0.4 c + 0.3 p + 0.3 (1 - 0.5 / max(m, 1))) * min(m, 1), before the halving.
double growth_score(double consistency, const GrowthEvidence& g) {
  const double m = g.margin;
  return std::clamp(
      (0.4 * consistency + 0.3 * g.persistence + 0.3 * (1.0 - 0.5 / std::max(m, 1.0))) *
          std::min(m, 1.0),
      0.0, 1.0);
}

// Bucket-to-bucket changes of the medians: the rises and the falls (as magnitudes).
struct MedianSteps {
  std::vector<double> ups;
  std::vector<double> downs;
};

MedianSteps median_steps(const WindowStats& w) {
  MedianSteps steps;
  for (std::size_t i = 1; i < w.medians.size(); ++i) {
    const double d = w.medians[i].v - w.medians[i - 1].v;
    (d > 0 ? steps.ups : steps.downs).push_back(std::abs(d));
  }
  return steps;
}

// Rule 4: the level grew significantly and the last part is flat: a step when the rise came in
// few jumps outside the process's early life, else warm-up. nullopt when the rule does not apply.
std::optional<Pattern> levelled_rise(const WindowStats& w, const Judge& judge, const Thresholds& th,
                                     double process_age_seconds, std::vector<double>& ups) {
  const double rise = w.l_end - w.l_start;
  const bool levelled =
      !judge.rate_significant(w.r_med_last) && w.r_med_last <= 0.25 * rise / w.span;
  if (!(judge.change_significant(rise) && levelled)) {
    return std::nullopt;
  }
  double t90 = w.t1;  // when the rise was 90% done
  for (const Sample& md : w.medians) {
    if (md.v >= w.l_start + 0.9 * rise) {
      t90 = md.t;
      break;
    }
  }
  const double started = w.t1 - process_age_seconds;
  const bool early_life =
      t90 - started <= std::max(th.warmup_grace_seconds, 0.25 * process_age_seconds);
  const bool jumpy = classify_detail::top_sum(ups, kJumps) >= kJumpShare * rise;
  return (jumpy && !early_life) ? Pattern::kStep : Pattern::kWarmup;
}

// Rule 5: the level fell significantly, mostly in a few jumps.
bool fell_in_steps(const WindowStats& w, const Judge& judge, std::vector<double>& downs) {
  const double fall = w.l_first - w.l_end;
  return judge.change_significant(fall) &&
         classify_detail::top_sum(downs, kJumps) >= kJumpShare * fall;
}

// Rule 6: the last quarter alone grows significantly, by more than the noise.
bool grows_lately(const WindowStats& w, const Judge& judge) {
  return judge.rate_significant(w.r_med_last) && judge.rate_significant(w.r_floor_last) &&
         w.r_med_last * (w.t1 - w.q4_start) >= kNoiseMultiple * w.noise;
}

// Rule 7: the spread around the trend exceeds the growth the thresholds would flag in an hour.
bool spread_exceeds_thresholds(const WindowStats& w, const Thresholds& th) {
  return w.sigma_res > 0 &&
         w.sigma_res >= std::max(th.min_growth_bytes_per_hour,
                                 th.min_growth_ratio_per_hour * std::max(w.level, 1.0));
}

// The rules of classify.h, first match wins.
Pattern pick_pattern(const WindowStats& w, const Jumps& jumps, bool leak_like, const Judge& judge,
                     const Thresholds& th, double process_age_seconds) {
  if (leak_like) {  // 1
    const bool young = !(process_age_seconds >= th.warmup_grace_seconds);
    return (w.span < th.min_observed_seconds || young) ? Pattern::kGrowing : Pattern::kLeak;
  }
  if (classify_detail::is_sawtooth(jumps)) {  // 2
    return Pattern::kSawtooth;
  }
  if (jumps.rises >= 2 && jumps.drops >= 2) {  // 3: jumps both ways, no trend
    return Pattern::kNoisy;
  }
  MedianSteps steps = median_steps(w);
  if (const auto rise = levelled_rise(w, judge, th, process_age_seconds, steps.ups)) {  // 4
    return *rise;
  }
  if (fell_in_steps(w, judge, steps.downs)) {  // 5
    return Pattern::kStep;
  }
  if (grows_lately(w, judge)) {  // 6
    return Pattern::kGrowing;
  }
  if (spread_exceeds_thresholds(w, th)) {  // 7
    return Pattern::kNoisy;
  }
  return Pattern::kFlat;  // 8
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
  if (window.empty()) {
    return out;
  }
  const double span = window.back().t - window.front().t;
  out.observed_seconds = std::max(0.0, span);
  if (window.size() < 3 || !(span > 0)) {
    return out;
  }

  const WindowStats w = classify_detail::window_stats(window);
  out.rate_per_second = w.rate;
  out.floor_rate_per_second = w.floor_rate;
  const Judge judge(th, w.base, w.noise);
  const Jumps jumps = classify_detail::big_jumps(window, w);
  const GrowthEvidence growth = classify_detail::is_sawtooth(jumps)
                                    ? judge_trough_growth(w, jumps, judge)
                                    : judge_steady_growth(w, jumps, judge);
  const double consistency = classify_detail::rising_fraction(
      classify_detail::group_lows(std::span<const Bucket>(w.buckets), kConsistencyGroups,
                                  [](const Bucket& b) { return b.low; }));
  out.score = growth_score(consistency, growth);
  out.consistency = consistency;
  out.persistence = growth.persistence;
  out.margin = growth.margin;

  out.pattern = pick_pattern(w, jumps, growth.leak_like, judge, th, process_age_seconds);
  if (out.pattern != Pattern::kLeak && out.pattern != Pattern::kGrowing) {
    out.score *= 0.5;  // growth evidence that the rules explained otherwise
    out.halved = true;
  }
  out.suspect = out.pattern == Pattern::kLeak && out.score >= th.suspect_score &&
                process_age_seconds > th.warmup_grace_seconds && span >= th.min_observed_seconds;
  return out;
}

}  // namespace lw::analysis
