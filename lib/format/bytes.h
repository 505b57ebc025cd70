#pragma once

// Byte counts and byte rates for people: binary units, one decimal. Used by the status page,
// `--once`, `--analyze` and the daemon's sd_notify status line, so they all read alike.

#include <string>

namespace lw::format {

// 0 -> "0 B", 1023 -> "1023 B", 1536 -> "1.5 KiB", 12 * 2^20 -> "12.0 MiB", up to EiB;
// negative values get a leading '-', a non-finite value is "n/a". A value that would round to
// "1024.0" of one unit is shown as "1.0" of the next.
std::string bytes(double bytes);

// A growth rate in bytes per second, shown per hour as people read leaks: 2048.5 ->
// "+7.0 MiB/h", -4096 -> "-14.1 MiB/h", 0 -> "0 B/h"; a non-finite rate is "n/a".
std::string byte_rate_per_hour(double bytes_per_second);

}  // namespace lw::format
