#pragma once

// Regimes: where a series' leak-relevant behaviour last changed, so that the verdict describes what
// the series does now rather than what its whole window averaged. A service flat for days that
// starts leaking after a deploy is a leak about min_observed after the onset, not once the leak
// fills most of the longest window; a leak that stops stops being one.
//
// The signal is the floor: the series is cut into fine buckets of min_observed / 8 (at most 256
// over the window), each bucket is represented by its median, and the floor at a bucket is the
// lowest median from there to the end of the window. Memory that a sawtooth gives back pulls the
// floor down over all its earlier cycles, so a stable sawtooth is one flat regime, not one regime
// per tooth; only memory never given back raises it. A single-sample dip or spike does not move a
// median.
//
// Changes are found by splitting the floor in two where two least-squares lines fit it best, and
// keeping the split only when it is one of:
//   - an onset: the floor after the split rises at a rate the thresholds call growth, at least
//   twice
//     as fast as before, by more than the noise, to above every level seen before the split, for
//     at least min_observed / 2;
//   - a stop: the floor rose at a significant rate before the split and stayed flat (under a
//     quarter of that rate, and not significant) for at least 5/8 of min_observed after it;
//   - a jump: a flat floor before, a significant jump to above every earlier level, and a flat
//     floor for at least min_observed after it (a step, not a leak onset).
// After a kept split the search repeats inside the newer part, so the last change wins.

#include <optional>
#include <span>
#include <string_view>

#include "analysis/classify.h"
#include "analysis/growth.h"

namespace lw::analysis {

struct Regime {
  enum class Change { kNone, kOnset, kStop, kJump };
  // t of the first sample of the current regime; the series' first t when there was no change.
  double start_t = 0;
  // For a jump, the regime's verdict is taken from a little before it (so that classify sees the
  // level it jumped from): t of the first sample to classify.
  double context_t = 0;
  Change change = Change::kNone;
};

std::string_view change_name(Regime::Change c);

// The current regime of `samples` (time order, as classify() takes them). kNone for fewer than
// two fine buckets of evidence on each side of any split.
Regime current_regime(std::span<const Sample> samples, const Thresholds& th);

struct RegimeVerdict {
  Verdict verdict;
  Regime regime;
  bool from_regime = false;  // true when `verdict` is the current regime's, not the window's
  // The whole window's rate (classify()'s robust slope over all the samples), kept when `verdict`
  // is the regime's: it is the longest window's rate, so nothing computes it twice.
  std::optional<double> window_rate;
};

// The regime-aware verdict: classify() over the whole window and over the current regime.
//   - After an onset, the regime's verdict (pattern, score, rates) when it says growth at least as
//     strongly as the window (leak > growing): a late onset is a leak once its regime has been
//     watched for min_observed, and its rate is the regime's.
//   - After a jump, the regime's verdict (from a little before the jump): a step, or a warm-up
//     early in the process's life, not a leak onset.
//   - After a stop, the regime's verdict whenever either says growth: a leak that ended is not one
//     any more.
//   - Otherwise the window's: warm-up, sawtooth, step, noisy and flat describe the window better
//     than its last stretch does. With no change, it is classify().
RegimeVerdict classify_regime(std::span<const Sample> samples, double process_age_seconds,
                              const Thresholds& th);

}  // namespace lw::analysis
