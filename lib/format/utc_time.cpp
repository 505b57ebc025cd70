#include "format/utc_time.h"

#include <cmath>
#include <cstdint>

#include <fmt/core.h>

namespace lw::format {
namespace {

// 0000-01-01 00:00:00 and 9999-12-31 23:59:59 UTC, the range RFC 3339 can write.
constexpr std::int64_t kFirstSecond = -62167219200;
constexpr std::int64_t kLastSecond = 253402300799;

}  // namespace

std::string utc_time(std::chrono::sys_seconds t) {
  const std::int64_t s = t.time_since_epoch().count();
  if (s < kFirstSecond || s > kLastSecond) {
    return "n/a";
  }
  const auto day = std::chrono::floor<std::chrono::days>(t);
  const std::chrono::year_month_day date{day};
  const std::chrono::hh_mm_ss time{t - day};
  return fmt::format("{:04}-{:02}-{:02} {:02}:{:02}:{:02}", static_cast<int>(date.year()),
                     static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
                     time.hours().count(), time.minutes().count(), time.seconds().count());
}

std::string utc_time(double epoch_seconds) {
  if (!std::isfinite(epoch_seconds) || epoch_seconds < static_cast<double>(kFirstSecond) ||
      epoch_seconds >= static_cast<double>(kLastSecond) + 1) {
    return "n/a";
  }
  const auto whole = static_cast<std::int64_t>(std::floor(epoch_seconds));
  return utc_time(std::chrono::sys_seconds{std::chrono::seconds{whole}});
}

}  // namespace lw::format
