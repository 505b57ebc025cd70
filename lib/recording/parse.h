#pragma once

// The recording parser behind `leakwatchd --analyze FILE`: a recorded memory series, as a person
// or a shell loop wrote it, into plain (time, bytes) samples. Pure: no clock, no locale, no TZ.
// It knows nothing of the classifier; verdict_text.h hands the samples to analysis.

#include <optional>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace lw::recording {

struct Sample {
  double t = 0;      // UTC epoch seconds (or any origin for bare unix seconds)
  double bytes = 0;  // never negative
};

// Accepted line formats (one sample per line; blank lines and lines starting with '#' skipped):
//   CSV "timestamp,bytes" with an optional header line first ("timestamp,bytes", "time,rss"...):
//     the timestamp is unix seconds ("1763647200", "1763647200.25"), "YYYY-MM-DD HH:MM:SS" or
//     ISO 8601 "YYYY-MM-DDTHH:MM:SS[Z]", always UTC; bytes is a non-negative number;
//   the classic tracking-loop log of `ps -o rss=`:
//     "2026-11-20 14:00:00 RSS: 409600 KB (400 MB)" or "2026-11-20 14:00:00 RSS: 409600 KB"
//     (ps prints KiB: "KB" means x1024; the parenthesised part is ignored).
// Times must strictly increase. Any other line (including a bare number without a time) is
// kMalformed with a detail "line N: ...". No samples at all is kMalformed.
[[nodiscard]] Result<std::vector<Sample>> parse_recording(std::string_view text);

// "YYYY-MM-DD HH:MM:SS", "YYYY-MM-DDTHH:MM:SS[Z]" (UTC, years from 1970) or unix seconds ->
// epoch seconds; nullopt for anything else, including dates that do not exist (2023-02-29).
std::optional<double> parse_timestamp(std::string_view s);

}  // namespace lw::recording
