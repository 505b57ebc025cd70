#pragma once

// Pressure stall information: /proc/pressure/memory (4.20+) and cgroup v2 memory.pressure share
// this format (Documentation/accounting/psi.rst):
//   some avg10=0.00 avg60=0.00 avg300=0.00 total=12345
//   full avg10=0.00 avg60=0.00 avg300=0.00 total=6789
// total is cumulative stall time in microseconds. "full" is absent on some kernels for cpu.

#include <cstdint>
#include <optional>
#include <string_view>

#include "base/result.h"

namespace lw::procfs {

struct PressureLine {
  double avg10 = 0;
  double avg60 = 0;
  double avg300 = 0;
  std::uint64_t total_us = 0;
};

struct Pressure {
  std::optional<PressureLine> some;  // "waiting": at least one task stalled on memory
  std::optional<PressureLine> full;  // "stalled": all non-idle tasks stalled at once
};

Result<Pressure> parse_pressure(std::string_view text);

}  // namespace lw::procfs
