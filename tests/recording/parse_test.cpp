#include "recording/parse.h"

#include <string>
#include <vector>

#include <catch2/catch.hpp>

namespace lw::recording {
namespace {

TEST_CASE("recording: CSV with unix seconds and a header", "[recording]") {
  const auto r = parse_recording(
      "timestamp,bytes\n"
      "1763647200,419430400\n"
      "1763647210.5, 419431424\n"
      "\n"
      "# a comment\n"
      "1763647220,419432448\r\n");
  REQUIRE(r.has_value());
  REQUIRE(r->size() == 3);
  CHECK((*r)[0].t == 1763647200);
  CHECK((*r)[0].bytes == 419430400);
  CHECK((*r)[1].t == 1763647210.5);
  CHECK((*r)[2].bytes == 419432448);
}

TEST_CASE("recording: CSV with calendar timestamps in UTC", "[recording]") {
  const auto r = parse_recording(
      "2026-11-20 14:00:00,100\n"
      "2026-11-20T14:00:10Z,200\n"
      "2026-11-20T14:00:20,300\n");
  REQUIRE(r.has_value());
  REQUIRE(r->size() == 3);
  // 2026-11-20 is 20,777 days after 1970-01-01.
  CHECK((*r)[0].t == 20777.0 * 86400 + 14 * 3600);
  CHECK((*r)[1].t == (*r)[0].t + 10);
  CHECK((*r)[2].t == (*r)[0].t + 20);
}

TEST_CASE("recording: the classic ps tracking-loop log", "[recording]") {
  const auto r = parse_recording(
      "2026-11-20 14:00:00 RSS: 409600 KB (400 MB)\n"
      "2026-11-20 14:01:00 RSS: 410624 KB\n"
      "2026-11-20 14:02:00  RSS:  411648 KB (402 MB)\n");
  REQUIRE(r.has_value());
  REQUIRE(r->size() == 3);
  CHECK((*r)[0].bytes == 409600.0 * 1024);  // ps prints KiB
  CHECK((*r)[1].bytes == 410624.0 * 1024);
  CHECK((*r)[2].t - (*r)[0].t == 120);
}

TEST_CASE("recording: a malformed line is an error naming the line", "[recording]") {
  using Case = std::pair<std::string, std::string>;
  const Case c = GENERATE(
      Case{"1,100\n2,abc\n", "line 2: bad byte count 'abc'"},
      Case{"1,100\nyesterday,5\n", "line 2: bad timestamp 'yesterday'"},
      Case{"1,100\n2,-5\n", "line 2: bad byte count '-5'"},
      Case{"1,100\n2,5,6\n", "line 2: expected 2 columns"},
      Case{"409600\n", "line 1: a bare value without a time"},
      Case{"# header\n\n12345\n", "line 3: a bare value without a time"},
      Case{"2026-11-20 14:00:00 RSS: 409600 MB\n", "line 1: RSS unit must be KB"},
      Case{"2026-11-20 14:00:00 VSZ: 409600 KB\n", "line 1: expected 'RSS:'"},
      Case{"2026-11-20 14:00:00 RSS: lots KB\n", "line 1: bad RSS value 'lots'"},
      Case{"2026-11-20 14:00:00 RSS: 4 KB trailing\n", "line 1: unexpected text"},
      Case{"2026-13-20 14:00:00 RSS: 4 KB\n", "line 1: bad timestamp '2026-13-20 14:00:00'"},
      Case{"2026-02-30 14:00:00,4\n", "line 1: bad timestamp"},
      Case{"2026-11-20 24:00:00,4\n", "line 1: bad timestamp"},
      Case{"hello world\n", "line 1: not 'timestamp,bytes'"},
      Case{"1,100\n3,100\n2,100\n",
           "line 3: time '1970-01-01 00:00:02' is not after the "
           "previous sample's (line 2)"},
      Case{"5,100\n5,100\n", "line 2: time"});
  const auto r = parse_recording(c.first);
  INFO(c.first);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().kind == ErrorKind::kMalformed);
  CHECK_THAT(r.error().detail, Catch::StartsWith(c.second));
}

TEST_CASE("recording: no samples is an error", "[recording]") {
  const std::string text = GENERATE("", "\n\n", "# only a comment\n", "timestamp,bytes\n");
  const auto r = parse_recording(text);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().detail == "no samples (expected 'timestamp,bytes' lines)");
}

TEST_CASE("recording: truncated input never throws", "[recording]") {
  const std::string text =
      "timestamp,bytes\n2026-11-20T14:00:00Z,1\n2026-11-20 14:01:00 RSS: 409600 KB (400 MB)\n";
  for (std::size_t n = 0; n <= text.size(); ++n) {
    CHECK_NOTHROW(parse_recording(text.substr(0, n)));
  }
}

TEST_CASE("recording: calendar timestamps are UTC and must exist", "[recording]") {
  CHECK(*parse_timestamp("1970-01-01 00:00:00") == 0);
  CHECK(*parse_timestamp("2000-03-01T00:00:00Z") == 11017.0 * 86400);
  CHECK(*parse_timestamp("2024-02-29T23:59:59Z") == 1709251199);
  CHECK_FALSE(parse_timestamp("2023-02-29 00:00:00"));  // not a leap year
  CHECK_FALSE(parse_timestamp("1969-12-31 23:59:59"));  // calendar times start at the epoch
  CHECK_FALSE(parse_timestamp("2026-11-20 14:00:60"));
  CHECK_FALSE(parse_timestamp("2026-11-20 14:00"));
  CHECK(*parse_timestamp(" 1709251199 ") == 1709251199);
  CHECK(*parse_timestamp("1709251199.25") == 1709251199.25);
}

}  // namespace
}  // namespace lw::recording
