#pragma once

// Durations for people, one spelling everywhere (status page, `--once`, `--analyze`): the two
// largest parts, the smaller one rounded, zero parts kept so columns line up.

#include <chrono>
#include <string>

namespace lw::format {

// 0 -> "0s", 4.5 -> "4.5s" (one decimal below 10 s), 45 -> "45s", 750 -> "12m 30s",
// 3600 -> "1h 0m", 7190 -> "2h 0m", 11520 -> "3h 12m", 187200 -> "2d 4h"; negative values get a
// leading '-';
// 1e9 s and more (beyond any forecast worth showing) is ">30y"; a non-finite value is "n/a".
std::string duration(double seconds);

template <class Rep, class Period>
std::string duration(std::chrono::duration<Rep, Period> d) {
  return duration(std::chrono::duration<double>(d).count());
}

}  // namespace lw::format
