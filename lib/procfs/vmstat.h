#pragma once

// /proc/vmstat: "key value" lines, monotonic event counters. oom_kill since 4.13.

#include <cstdint>
#include <optional>
#include <string_view>

#include "base/result.h"

namespace lw::procfs {

struct Vmstat {
  std::optional<std::uint64_t> oom_kill;
  std::optional<std::uint64_t> thp_fault_alloc;
  std::optional<std::uint64_t> thp_fault_fallback;
  std::optional<std::uint64_t> compact_stall;
};

// A known key with a bad value is kMalformed; unknown keys are ignored.
Result<Vmstat> parse_vmstat(std::string_view text);

}  // namespace lw::procfs
