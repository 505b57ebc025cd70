#pragma once

// Wall-clock times for people, always UTC (no TZ, no locale): "YYYY-MM-DD HH:MM:SS", the
// RFC 3339 date-time with a space for the 'T' (RFC 3339 section 5.6 allows it for readability)
// and no offset; callers that print it to people append " UTC".

#include <chrono>
#include <string>

namespace lw::format {

// Whole seconds, rounded down: 0 -> "1970-01-01 00:00:00", -1 -> "1969-12-31 23:59:59".
// Years outside 0000..9999 (which RFC 3339 cannot write) and non-finite values are "n/a".
std::string utc_time(double epoch_seconds);
std::string utc_time(std::chrono::sys_seconds t);

}  // namespace lw::format
