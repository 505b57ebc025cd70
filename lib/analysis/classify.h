#pragma once

// Leak classification of one series over one analysis window: a pure function of its samples,
// the process's age and the thresholds. The same function judges private memory (bytes) and open
// FDs (counts); only the thresholds differ (for FDs: ratio 0, absolute = min_fd_growth_per_hour).
//
// The operator's model (SPEC "The domain in one paragraph"): a leak is memory that grows and never
// comes back down. So the central signal is THE FLOOR (growth.h floor_series: for each of <= 40
// equal-time buckets, the lowest level the series reaches from there to the end of the window),
// not the average: a GC sawtooth or a cache that is trimmed keeps a flat floor however high it
// peaks; a leak, with or without a sawtooth on top, lifts it.
//
// Quantities (all robust; "rate" = Theil–Sen over bucket medians, see growth.h):
//   rate        trend of the bucket medians over the window           -> Verdict::rate_per_second
//   floor rate  trend of the floor                          -> Verdict::floor_rate_per_second
//   base        the floor at the start of the window (>= 1): what relative growth refers to
//   noise       sample-to-sample noise: 1.4826 * MAD(consecutive differences) / sqrt(2)
//   H           the "hour" of the per-hour thresholds: 3600 * time_scale seconds
//   a rate r is SIGNIFICANT when r > 0, r*H >= min_growth_bytes_per_hour and
//     r*H / base >= min_growth_ratio_per_hour (a threshold of 0 always passes);
//   a change d is SIGNIFICANT when d >= min_growth_bytes_per_hour, d >= ratio * base (what a
//     threshold leak adds in one hour H) and d >= 4 * noise;
//   a BIG JUMP is a run of falling samples (a drop) or a single rising sample (a rise) larger
//     than max(25% of the detrended 2..98% range, 5 * difference noise); where a drop ends is a
//     trough; a SAWTOOTH has >= 2 drops and at most half as many rises (it rises gradually and
//     falls back; a lone spike is one rise and one drop, so it is not a sawtooth).
//
// Rules, first match wins (fewer than 3 samples or no time span: flat, score 0, no rates):
//   1. Leak-like growth, either
//      a) (not a sawtooth) min(rate, floor rate) is significant; the floor rises by >= 4 * noise
//         over the window; the growth is there across the window (first half: floor rate >= 25%
//         and median rate >= 25% of the window's) AND still in its last quarter (floor rate
//         >= 50%, median rate >= 50%). Where a part's expected floor rise is within 4 * noise
//         the floor cannot show it and the medians decide alone — unless the series has a big
//         drop, which resets the floor: then the floor must show the rise; or
//      b) (a sawtooth: judged by its troughs only, because the floor of its last, unfinished
//         tooth climbs the ramp) min(trough slope, rate) is significant, the lowest troughs of
//         <= 12 consecutive groups rise at >= 75% of the steps, by a significant change from the
//         first group to the last, and the troughs still rise in the second half (>= 50% of the
//         slope; with too few troughs for a slope there, the latest is the highest so far within
//         2 * noise). "A sawtooth whose floor rises IS a leak."
//      It is `growing` when observed < min_observed_seconds or the process is younger than
//      warmup_grace_seconds (steady growth, not yet long enough to judge), else `leak`.
//   2. sawtooth: a sawtooth whose troughs do not rise (rises and falls back to a stable floor).
//   3. noisy: >= 2 big rises and >= 2 big drops (the level jumps both ways, without a trend).
//   4. The level grew significantly (median of the last quarter's bucket medians minus the lowest
//      bucket median of the first quarter or of the first three samples) and the last part is
//      flat (last-quarter median rate not significant, <= 25% of the average rate of the rise):
//        step    when >= 80% of the rise came in at most 6 bucket-to-bucket jumps, not in the
//                process's early life (the rise was 90% done later than
//                max(warmup_grace_seconds, age / 4) after the process started);
//        warmup  otherwise (grew, then levelled off; a fast jump right after start is warm-up).
//   5. step: the level fell significantly, >= 80% of the fall in at most 6 jumps (for example a
//      process that freed a big cache once and stayed low: not a leak).
//   6. growing: the last quarter alone grows significantly (median and floor rates), by
//      >= 4 * noise: growth that started recently, not judged over this window yet.
//   7. noisy: the robust spread around the trend (1.4826 * MAD of the residuals) is at least
//      max(min_growth_bytes_per_hour, ratio * median level): variance larger than the growth the
//      thresholds would flag in an hour.
//   8. flat: everything else, including a slow decline and growth below the thresholds. A huge
//      but flat process is flat.
//
// Score (0..1), computed for every pattern:
//   m = how many times the thresholds the growth is (min(rate, floor rate); for a sawtooth the
//       trough growth): the smaller of growth*H / abs threshold and growth*H / base / ratio
//       threshold;
//   c = floor-rise consistency: the buckets in <= 12 groups, the fraction of groups whose
//       lowest value is >= the previous group's;
//   p = persistence: last-quarter floor rate / floor rate (median rates when the quarter's floor
//       cannot resolve the rise; second-half trough slope / trough slope for a sawtooth), in 0..1;
//   score = (0.4 c + 0.3 p + 0.3 (1 - 0.5 / max(m, 1))) * min(m, 1), halved unless the pattern
//   is leak or growing (growth evidence that the rules explained otherwise).
//   A leak exactly at the thresholds that rises steadily scores about 0.85; growth below the
//   thresholds is scaled towards 0.
// suspect = pattern == leak && score >= suspect_score && age > warmup_grace_seconds &&
//           observed >= min_observed_seconds.
//
// Code map: classify_window.h takes the window's measurements (trends, levels, noise, spread, big
// jumps); classify.cpp has one function per rule or part of the score, named after it.
//
// Time-scale invariance: the rules use only ratios of times within the window, the seconds
// thresholds and H. Multiplying every t, min_observed_seconds, warmup_grace_seconds, the process
// age and time_scale by the same factor leaves every verdict unchanged (rates scale by its
// inverse). That is how the daemon's tests run the real logic at 1/60 of real time: the config's
// durations are divided by 60 and so is the analysis "hour".

#include <optional>
#include <span>
#include <string_view>

#include "analysis/growth.h"

namespace lw::analysis {

enum class Pattern { kFlat, kWarmup, kSawtooth, kStep, kNoisy, kGrowing, kLeak };

// "flat", "warmup", "sawtooth", "step", "noisy", "growing", "leak" (exported label values).
std::string_view pattern_name(Pattern p);

struct Thresholds {
  double min_growth_ratio_per_hour = 0.05;       // relative to the window's starting floor
  double min_growth_bytes_per_hour = 1048576.0;  // absolute units (bytes, FDs) per hour
  double min_observed_seconds = 900;             // history needed before "leak"
  double warmup_grace_seconds = 600;             // a younger process is never a suspect
  double suspect_score = 0.7;
  // The per-hour thresholds are per (3600 * time_scale) seconds. 1 in production; a caller that
  // compresses time (every configured duration divided by k) sets 1/k so that "per hour" follows.
  // The seconds fields above are NOT multiplied by it: they are already in the caller's time.
  double time_scale = 1.0;

  double hour_seconds() const { return 3600.0 * time_scale; }
};

struct Verdict {
  Pattern pattern = Pattern::kFlat;
  double score = 0;  // 0..1
  bool suspect = false;
  std::optional<double> rate_per_second;        // robust slope of the window (bucket medians)
  std::optional<double> floor_rate_per_second;  // robust slope of the floor
  double observed_seconds = 0;                  // last t - first t
  // The terms of the score (see "Score" above), kept as evidence for the per-process page.
  double consistency = 0;  // c
  double persistence = 0;  // p
  double margin = 0;       // m
  bool halved = false;     // the pattern is neither leak nor growing
};

// `window`: the samples of ONE series (one (pid, starttime)) inside the analysis window, times
// strictly increasing (shorter than the window when the process is younger).
// `process_age_seconds`: now - process start, in the same time as t.
Verdict classify(std::span<const Sample> window, double process_age_seconds,
                 const Thresholds& thresholds);

}  // namespace lw::analysis
