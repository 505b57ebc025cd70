#pragma once

// Offline analysis for `leakwatchd --analyze FILE [--limit SIZE]`: parse a recorded series and
// render the daemon's own verdict on it as text a person reads. Pure: no clock, no locale, no TZ.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "analysis/classify.h"
#include "analysis/growth.h"
#include "base/result.h"

namespace lw::analysis {

// Accepted line formats (one sample per line; blank lines and lines starting with '#' skipped):
//   CSV "timestamp,bytes" with an optional header line first ("timestamp,bytes", "time,rss"...):
//     the timestamp is unix seconds ("1763647200", "1763647200.25"), "YYYY-MM-DD HH:MM:SS" or
//     ISO 8601 "YYYY-MM-DDTHH:MM:SS[Z]", always UTC; bytes is a non-negative number;
//   the classic tracking-loop log of `ps -o rss=`:
//     "2026-11-20 14:00:00 RSS: 409600 KB (400 MB)" or "2026-11-20 14:00:00 RSS: 409600 KB"
//     (ps prints KiB: "KB" means x1024; the parenthesised part is ignored).
// Times are UTC epoch seconds and must strictly increase. Any other line (including a bare number
// without a time) is kMalformed with a detail "line N: ...". No samples at all is kMalformed.
[[nodiscard]] Result<std::vector<Sample>> parse_recording(std::string_view text);

// "YYYY-MM-DD HH:MM:SS", "YYYY-MM-DDTHH:MM:SS[Z]" (UTC) or unix seconds -> epoch seconds.
std::optional<double> parse_timestamp(std::string_view s);

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil): no mktime,
// no timegm, so no dependence on TZ or locale.
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d);

// Epoch seconds -> "YYYY-MM-DD HH:MM:SS" (UTC), whole seconds.
std::string format_utc(double epoch_seconds);

// The report printed by --analyze: samples and span, current value, rate and floor rate
// ("+12.0 MiB/h"), pattern, verdict ("LEAK SUSPECT (score 0.91)" or "no leak (pattern:
// sawtooth)"), time to `limit_bytes` when given, and a sparkline. The process is assumed to start
// with the recording (its age is the recording's span). Rates are per real hour (3600 s).
std::string render_analysis(std::span<const Sample> samples, std::optional<double> limit_bytes,
                            const Thresholds& thresholds);

// One line of `width` block characters (▁▂▃▄▅▆▇█, UTF-8) over equal-time columns, each the mean
// of its samples, scaled from the lowest to the highest column; a column without samples (a gap)
// is a space. With fewer samples than `width`, one column per sample.
std::string sparkline(std::span<const Sample> samples, std::size_t width);

// 512 -> "512 B", 1536 -> "1.5 KiB", 12.0 * 2^20 -> "12.0 MiB" (binary units, one decimal).
std::string human_bytes(double bytes);

// 45 -> "45s", 750 -> "12m30s", 11520 -> "3h12m", 187200 -> "2d4h" (zero parts omitted: "3h").
std::string human_duration(double seconds);

}  // namespace lw::analysis
