#include "format/duration.h"

#include <cmath>

#include <fmt/core.h>

namespace lw::format {

std::string duration(double seconds) {
  using std::chrono::days;
  using std::chrono::duration_cast;
  using std::chrono::hours;
  using std::chrono::minutes;
  if (!std::isfinite(seconds)) {
    return "n/a";
  }
  if (seconds < 0) {
    return fmt::format("-{}", duration(-seconds));
  }
  if (seconds >= 1e9) {
    return ">30y";
  }
  if (seconds > 0 && seconds < 9.95) {
    return fmt::format("{:.1f}s", seconds);
  }
  // Each spelling rounds to its smaller part: 7190 s is "2h 0m", not "1h 59m".
  const auto rounded = [seconds](auto unit) {
    using Unit = decltype(unit);
    return std::chrono::round<Unit>(std::chrono::duration<double>(seconds));
  };
  const auto s = rounded(std::chrono::seconds{});
  if (s < minutes{1}) {
    return fmt::format("{}s", s.count());
  }
  if (s < hours{1}) {
    return fmt::format("{}m {}s", duration_cast<minutes>(s).count(), (s % minutes{1}).count());
  }
  const auto m = rounded(minutes{});
  if (m < days{1}) {
    return fmt::format("{}h {}m", duration_cast<hours>(m).count(), (m % hours{1}).count());
  }
  const auto h = rounded(hours{});
  return fmt::format("{}d {}h", duration_cast<days>(h).count(), (h % days{1}).count());
}

}  // namespace lw::format
