#pragma once

// The "btime" line of /proc/stat (boot time, seconds since the epoch), needed to turn a
// process's starttime (ticks since boot) into wall time. Format: proc_stat(5).

#include <cstdint>
#include <string_view>

#include "base/result.h"

namespace lw::procfs {

// kMalformed when there is no valid btime line.
Result<std::uint64_t> parse_boot_time_seconds(std::string_view proc_stat_text);

}  // namespace lw::procfs
