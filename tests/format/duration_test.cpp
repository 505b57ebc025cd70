#include "format/duration.h"

#include <chrono>
#include <cmath>
#include <limits>

#include <catch2/catch.hpp>

namespace lw::format {
namespace {

TEST_CASE("duration: seconds, one decimal below ten", "[format][duration]") {
  CHECK(duration(0) == "0s");
  CHECK(duration(0.25) == "0.2s");  // 0.25 is below halfway in binary: rounds down
  CHECK(duration(4.5) == "4.5s");
  CHECK(duration(10) == "10s");
  CHECK(duration(45) == "45s");
  CHECK(duration(9.94) == "9.9s");
  CHECK(duration(9.96) == "10s");
  CHECK(duration(59.4) == "59s");
  CHECK(duration(59.6) == "1m 0s");  // rounded to the part shown
}

TEST_CASE("duration: the two largest parts, zero parts kept", "[format][duration]") {
  CHECK(duration(60) == "1m 0s");
  CHECK(duration(750) == "12m 30s");
  CHECK(duration(3599) == "59m 59s");
  CHECK(duration(3600) == "1h 0m");
  CHECK(duration(5400) == "1h 30m");
  CHECK(duration(11520) == "3h 12m");
  CHECK(duration(7190) == "2h 0m");
  CHECK(duration(86369) == "23h 59m");
  CHECK(duration(86399) == "1d 0h");
  CHECK(duration(86400) == "1d 0h");
  CHECK(duration(187200) == "2d 4h");
  CHECK(duration(999999999) == "11574d 2h");
}

TEST_CASE("duration: huge, negative and non-finite values", "[format][duration]") {
  CHECK(duration(1e9) == ">30y");
  CHECK(duration(std::numeric_limits<double>::max()) == ">30y");
  CHECK(duration(-75) == "-1m 15s");
  CHECK(duration(-1.5) == "-1.5s");
  CHECK(duration(-1e12) == "->30y");
  CHECK(duration(std::nan("")) == "n/a");
  CHECK(duration(std::numeric_limits<double>::infinity()) == "n/a");
}

TEST_CASE("duration: std::chrono durations", "[format][duration]") {
  using namespace std::chrono_literals;
  CHECK(duration(2h + 5min) == "2h 5m");
  CHECK(duration(45s) == "45s");
  CHECK(duration(1500ms) == "1.5s");
  CHECK(duration(std::chrono::days{3}) == "3d 0h");
}

}  // namespace
}  // namespace lw::format
