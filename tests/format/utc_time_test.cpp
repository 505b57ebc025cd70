#include "format/utc_time.h"

#include <chrono>
#include <cmath>
#include <limits>

#include <catch2/catch.hpp>

namespace lw::format {
namespace {

TEST_CASE("utc_time: the epoch and around it", "[format][time]") {
  CHECK(utc_time(0) == "1970-01-01 00:00:00");
  CHECK(utc_time(0.999) == "1970-01-01 00:00:00");  // whole seconds, rounded down
  CHECK(utc_time(-1) == "1969-12-31 23:59:59");
  CHECK(utc_time(-0.5) == "1969-12-31 23:59:59");
  CHECK(utc_time(86399) == "1970-01-01 23:59:59");
}

TEST_CASE("utc_time: calendar dates", "[format][time]") {
  CHECK(utc_time(951782400) == "2000-02-29 00:00:00");  // leap day of a year divisible by 400
  CHECK(utc_time(1700000000) == "2023-11-14 22:13:20");
  CHECK(utc_time(20777.0 * 86400 + 14 * 3600 + 61) == "2026-11-20 14:01:01");
  CHECK(utc_time(4102444800) == "2100-01-01 00:00:00");  // 2100 is not a leap year
  CHECK(utc_time(std::chrono::sys_days{std::chrono::year{2024} / 2 / 29}) == "2024-02-29 00:00:00");
}

TEST_CASE("utc_time: outside years 0000..9999 and non-finite is n/a", "[format][time]") {
  CHECK(utc_time(253402300799.0) == "9999-12-31 23:59:59");
  CHECK(utc_time(253402300800.0) == "n/a");
  CHECK(utc_time(-62167219200.0) == "0000-01-01 00:00:00");
  CHECK(utc_time(-62167219201.0) == "n/a");
  CHECK(utc_time(1e300) == "n/a");
  CHECK(utc_time(std::nan("")) == "n/a");
  CHECK(utc_time(-std::numeric_limits<double>::infinity()) == "n/a");
}

}  // namespace
}  // namespace lw::format
