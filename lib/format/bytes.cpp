#include "format/bytes.h"

#include <array>
#include <cmath>
#include <string_view>

#include <fmt/core.h>

namespace lw::format {
namespace {

constexpr std::string_view kZero = "0 B";

// |bytes| in the largest unit that keeps the number below 1024 once rounded for display.
std::string magnitude(double bytes) {
  constexpr std::array<std::string_view, 7> kUnits = {"B",   "KiB", "MiB", "GiB",
                                                      "TiB", "PiB", "EiB"};
  double v = std::fabs(bytes);
  std::size_t unit = 0;
  // Whole bytes round at .5, the other units at .05: 1023.96 KiB would print as "1024.0 KiB",
  // so it moves up to "1.0 MiB".
  while (v >= (unit == 0 ? 1023.5 : 1023.95) && unit + 1 < kUnits.size()) {
    v /= 1024.0;
    ++unit;
  }
  if (unit == 0) {
    return fmt::format("{:.0f} B", v);
  }
  return fmt::format("{:.1f} {}", v, kUnits[unit]);
}

// A sign only where the shown number is not zero: -0.2 B is "0 B", not "-0 B".
std::string_view sign(double value, const std::string& shown, std::string_view positive) {
  if (shown == kZero || value == 0) {
    return "";
  }
  return value < 0 ? "-" : positive;
}

}  // namespace

std::string bytes(double bytes) {
  if (!std::isfinite(bytes)) {
    return "n/a";
  }
  std::string shown = magnitude(bytes);
  return fmt::format("{}{}", sign(bytes, shown, ""), shown);
}

std::string byte_rate_per_hour(double bytes_per_second) {
  if (!std::isfinite(bytes_per_second)) {
    return "n/a";
  }
  const double per_hour = bytes_per_second * 3600.0;
  const std::string shown = magnitude(per_hour);
  return fmt::format("{}{}/h", sign(per_hour, shown, "+"), shown);
}

}  // namespace lw::format
