// Durations and sizes as written in the config file: an integer and a unit, nothing else.

#include <array>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "base/text.h"
#include "config/config.h"

namespace lw::config {

namespace {

using Unit = std::pair<std::string_view, std::uint64_t>;

// Largest first: format_duration picks the first unit that divides exactly.
constexpr std::array<Unit, 5> kDurationUnits{{
    {"d", 86'400'000},
    {"h", 3'600'000},
    {"m", 60'000},
    {"s", 1'000},
    {"ms", 1},
}};

constexpr std::uint64_t kKi = 1024;
constexpr std::uint64_t kK = 1000;
constexpr std::array<Unit, 14> kSizeUnits{{
    {"", 1},
    {"B", 1},
    {"KiB", kKi},
    {"MiB", kKi* kKi},
    {"GiB", kKi* kKi* kKi},
    {"TiB", kKi* kKi* kKi* kKi},
    {"PiB", kKi* kKi* kKi* kKi* kKi},
    {"EiB", kKi* kKi* kKi* kKi* kKi* kKi},
    {"kB", kK},
    {"MB", kK* kK},
    {"GB", kK* kK* kK},
    {"TB", kK* kK* kK* kK},
    {"PB", kK* kK* kK* kK* kK},
    {"EB", kK* kK* kK* kK* kK* kK},
}};

// "<digits><unit>" with a unit from `units`; nullopt on a missing number, an unknown unit or
// overflow.
template <std::size_t N>
std::optional<std::uint64_t> parse_with_unit(std::string_view s, const std::array<Unit, N>& units) {
  std::size_t digits = 0;
  while (digits < s.size() && s[digits] >= '0' && s[digits] <= '9') {
    ++digits;
  }
  const auto number = text::parse_u64(s.substr(0, digits));
  if (!number) {
    return std::nullopt;
  }
  const std::string_view unit = s.substr(digits);
  for (const auto& [name, factor] : units) {
    if (unit == name) {
      return text::checked_mul(*number, factor);
    }
  }
  return std::nullopt;
}

}  // namespace

std::optional<Duration> parse_duration(std::string_view s) {
  if (s == "0") {
    return Duration::zero();
  }
  const auto ms = parse_with_unit(s, kDurationUnits);
  if (!ms || *ms > static_cast<std::uint64_t>(std::numeric_limits<Duration::rep>::max())) {
    return std::nullopt;
  }
  return Duration(static_cast<Duration::rep>(*ms));
}

std::optional<std::uint64_t> parse_size(std::string_view s) {
  return parse_with_unit(s, kSizeUnits);
}

std::string format_duration(Duration d) {
  const auto count = d.count();
  if (count == 0) {
    return "0s";
  }
  // The magnitude as unsigned, so the most negative value does not overflow.
  const std::uint64_t magnitude = count < 0 ? std::uint64_t{0} - static_cast<std::uint64_t>(count)
                                            : static_cast<std::uint64_t>(count);
  std::string out = count < 0 ? "-" : "";
  for (const auto& [name, factor] : kDurationUnits) {
    if (magnitude % factor == 0) {
      out += std::to_string(magnitude / factor);
      out += name;
      break;
    }
  }
  return out;
}

}  // namespace lw::config
