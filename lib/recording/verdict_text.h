#pragma once

// The report `leakwatchd --analyze` prints: the daemon's own verdict (analysis::classify) on a
// recorded series, as text a person reads. Pure: no clock, no locale, no TZ.

#include <optional>
#include <span>
#include <string>

#include "analysis/classify.h"
#include "recording/parse.h"

namespace lw::recording {

// Samples and span, current value, rate and floor rate ("+12.0 MiB/h"), pattern, verdict
// ("LEAK SUSPECT (score 0.91)" or "no leak (pattern: sawtooth)"), time to `limit_bytes` when
// given, and a sparkline. The process is assumed to start with the recording (its age is the
// recording's span). Rates are per real hour (3600 s).
std::string render_analysis(std::span<const Sample> samples, std::optional<double> limit_bytes,
                            const analysis::Thresholds& thresholds);

}  // namespace lw::recording
