#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include <catch2/catch.hpp>

#include "config/config.h"

using namespace lw::config;
using namespace std::chrono_literals;

TEST_CASE("parse_duration: an integer and a unit", "[config]") {
  CHECK(parse_duration("200ms") == Duration(200));
  CHECK(parse_duration("10s") == Duration(10'000));
  CHECK(parse_duration("5m") == Duration(300'000));
  CHECK(parse_duration("6h") == Duration(21'600'000));
  CHECK(parse_duration("1d") == Duration(86'400'000));
  CHECK(parse_duration("0s") == Duration(0));
  CHECK(parse_duration("0") == Duration(0));  // the one unit-less duration
  CHECK(parse_duration("166ms") == Duration(166));
  CHECK(parse_duration("9223372036854775807ms") == Duration(INT64_MAX));
  CHECK(parse_duration("106751991167d") == Duration(106751991167LL * 86'400'000));
}

TEST_CASE("parse_duration: spaces, signs, fractions, unknown units and overflow are rejected",
          "[config]") {
  const std::string_view bad = GENERATE(
      "", "10", "10 s", " 10s", "10s ", "-5s", "+5s", "1.5h", "10x", "s", "ms", "10S", "1e3s",
      "10sec", "5mm", "0x10s", "9223372036854775808ms", "106751991168d", "99999999999999999999s");
  CAPTURE(bad);
  CHECK_FALSE(parse_duration(bad).has_value());
}

TEST_CASE("format_duration: the largest unit that divides exactly", "[config]") {
  CHECK(format_duration(15min) == "15m");
  CHECK(format_duration(1h) == "1h");
  CHECK(format_duration(6h) == "6h");
  CHECK(format_duration(500ms) == "500ms");
  CHECK(format_duration(90s) == "90s");
  CHECK(format_duration(24h) == "1d");
  CHECK(format_duration(std::chrono::days(1)) == "1d");
  CHECK(format_duration(1500ms) == "1500ms");
  CHECK(format_duration(0ms) == "0s");
  CHECK(format_duration(-5s) == "-5s");
  CHECK(format_duration(Duration(INT64_MIN)) == "-9223372036854775808ms");
}

TEST_CASE("format_duration: parse_duration reads back what it writes", "[config]") {
  const Duration d =
      GENERATE(Duration(1), Duration(166), 1s, 61s, 15min, 25h, 48h, Duration(INT64_MAX));
  CAPTURE(d.count());
  CHECK(parse_duration(format_duration(d)) == d);
}

TEST_CASE("parse_size: bytes, binary and SI units", "[config]") {
  CHECK(parse_size("4096") == 4096u);
  CHECK(parse_size("0") == 0u);
  CHECK(parse_size("0B") == 0u);
  CHECK(parse_size("1KiB") == 1024u);
  CHECK(parse_size("512MiB") == 512ULL << 20);
  CHECK(parse_size("16GiB") == 16ULL << 30);
  CHECK(parse_size("2TiB") == 2ULL << 40);
  CHECK(parse_size("1kB") == 1000u);
  CHECK(parse_size("10MB") == 10'000'000u);
  CHECK(parse_size("1GB") == 1'000'000'000u);
  CHECK(parse_size("15EiB") == 15ULL << 60);
  CHECK(parse_size("18446744073709551615") == UINT64_MAX);
}

TEST_CASE("parse_size: anything but an integer and a known unit is rejected, as is overflow",
          "[config]") {
  const std::string_view bad =
      GENERATE("", "MiB", "1 MiB", " 1MiB", "1MiB ", "1.5GiB", "-1", "+1", "10XB", "1mib", "1KB",
               "1Ki", "1G", "99999999999GiB", "16EiB", "18446744073709551616", "19EB");
  CAPTURE(bad);
  CHECK_FALSE(parse_size(bad).has_value());
}
