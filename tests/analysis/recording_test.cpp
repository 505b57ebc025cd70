#include "analysis/recording.h"

#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "analysis/synth.h"

namespace lw::analysis {
namespace {

using synth::kMiB;

TEST_CASE("recording: CSV with unix seconds and a header", "[analysis][recording]") {
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
  CHECK((*r)[0].v == 419430400);
  CHECK((*r)[1].t == 1763647210.5);
  CHECK((*r)[2].v == 419432448);
}

TEST_CASE("recording: CSV with calendar timestamps in UTC", "[analysis][recording]") {
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

TEST_CASE("recording: the classic ps tracking-loop log", "[analysis][recording]") {
  const auto r = parse_recording(
      "2026-11-20 14:00:00 RSS: 409600 KB (400 MB)\n"
      "2026-11-20 14:01:00 RSS: 410624 KB\n"
      "2026-11-20 14:02:00  RSS:  411648 KB (402 MB)\n");
  REQUIRE(r.has_value());
  REQUIRE(r->size() == 3);
  CHECK((*r)[0].v == 409600.0 * 1024);  // ps prints KiB
  CHECK((*r)[1].v == 410624.0 * 1024);
  CHECK((*r)[2].t - (*r)[0].t == 120);
}

TEST_CASE("recording: a malformed line is an error naming the line", "[analysis][recording]") {
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

TEST_CASE("recording: no samples is an error", "[analysis][recording]") {
  const std::string text = GENERATE("", "\n\n", "# only a comment\n", "timestamp,bytes\n");
  const auto r = parse_recording(text);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().detail == "no samples (expected 'timestamp,bytes' lines)");
}

TEST_CASE("recording: truncated input never throws", "[analysis][recording]") {
  const std::string text =
      "timestamp,bytes\n2026-11-20T14:00:00Z,1\n2026-11-20 14:01:00 RSS: 409600 KB (400 MB)\n";
  for (std::size_t n = 0; n <= text.size(); ++n) {
    CHECK_NOTHROW(parse_recording(text.substr(0, n)));
  }
}

TEST_CASE("recording: days_from_civil and format_utc agree", "[analysis][recording]") {
  CHECK(days_from_civil(1970, 1, 1) == 0);
  CHECK(days_from_civil(2000, 3, 1) == 11017);
  CHECK(days_from_civil(2026, 11, 20) == 20777);
  CHECK(days_from_civil(1969, 12, 31) == -1);
  CHECK(format_utc(0) == "1970-01-01 00:00:00");
  CHECK(format_utc(951782400) == "2000-02-29 00:00:00");  // leap day
  CHECK(format_utc(20777.0 * 86400 + 14 * 3600 + 61) == "2026-11-20 14:01:01");
  CHECK(*parse_timestamp("2024-02-29T23:59:59Z") == 1709251199);
  CHECK_FALSE(parse_timestamp("2023-02-29 00:00:00"));
  CHECK(*parse_timestamp(" 1709251199 ") == 1709251199);
}

TEST_CASE("recording: human units", "[analysis][recording]") {
  CHECK(human_bytes(512) == "512 B");
  CHECK(human_bytes(1536) == "1.5 KiB");
  CHECK(human_bytes(12 * kMiB) == "12.0 MiB");
  CHECK(human_bytes(1024 * kMiB) == "1.0 GiB");
  CHECK(human_bytes(1023.97 * 1024) == "1.0 MiB");
  CHECK(human_bytes(-3 * kMiB) == "-3.0 MiB");
  CHECK(human_duration(45) == "45s");
  CHECK(human_duration(750) == "12m30s");
  CHECK(human_duration(11520) == "3h12m");
  CHECK(human_duration(3 * 3600) == "3h");
  CHECK(human_duration(187200) == "2d4h");
  CHECK(human_duration(0) == "0s");
}

TEST_CASE("recording: sparkline", "[analysis][recording]") {
  const std::vector<Sample> up{{0, 0}, {1, 1}, {2, 2}, {3, 3}, {4, 4}, {5, 5}, {6, 6}, {7, 7}};
  CHECK(sparkline(up, 60) == "▁▂▃▄▅▆▇█");
  const std::vector<Sample> flat{{0, 5}, {1, 5}, {2, 5}};
  CHECK(sparkline(flat, 60) == "▁▁▁");
  // A gap in time shows as blank columns.
  const std::vector<Sample> gap{{0, 0}, {1, 0}, {2, 0}, {9, 8}, {10, 8}};
  CHECK(sparkline(gap, 4) == "▁  █");
  CHECK(sparkline({}, 60).empty());
}

TEST_CASE("recording: render_analysis of a leak names the verdict and the limit",
          "[analysis][recording]") {
  const auto s = synth::generate(synth::linear(200 * kMiB, 10 * kMiB),
                                 synth::Options().noise(kMiB).origin(20777.0 * 86400));
  const std::string out = render_analysis(s, 1024 * kMiB, Thresholds{});
  INFO(out);
  CHECK_THAT(out, Catch::Contains("2161 over 6h (2026-11-20 00:00:00 .. 2026-11-20 06:00:00 UTC)"));
  CHECK_THAT(out, Catch::Contains("pattern     leak\n"));
  CHECK_THAT(out, Catch::Contains("verdict     LEAK SUSPECT (score 0.8"));
  CHECK_THAT(out, Catch::Contains("rate        +10.0 MiB/h"));
  // 260 MiB now, 764 MiB to go at 10 MiB/h: about 76 h.
  CHECK_THAT(out, Catch::Contains("limit       1.0 GiB reached in ~3d4h (at 2026-11-23"));
  CHECK_THAT(out, Catch::Contains("series      ▁"));
  CHECK_THAT(out, Catch::EndsWith("█\n"));
}

TEST_CASE("recording: render_analysis of a sawtooth says no leak", "[analysis][recording]") {
  const auto s = synth::generate(synth::sawtooth(300 * kMiB, 200 * kMiB, 20 * synth::kMinute),
                                 synth::Options().noise(kMiB));
  const std::string out = render_analysis(s, 1024 * kMiB, Thresholds{});
  INFO(out);
  CHECK_THAT(out, Catch::Contains("verdict     no leak (pattern: sawtooth)"));
  CHECK_THAT(out, Catch::Contains("limit       1.0 GiB not reached at the current rate (no "
                                  "steady growth)"));
}

TEST_CASE("recording: render_analysis when the limit is already reached", "[analysis][recording]") {
  const std::vector<Sample> s{{0, 2048 * kMiB}, {10, 2048 * kMiB}, {20, 2048 * kMiB}};
  const std::string out = render_analysis(s, 1024 * kMiB, Thresholds{});
  INFO(out);
  CHECK_THAT(out, Catch::Contains("limit       1.0 GiB already reached\n"));
  CHECK_THAT(out, Catch::Contains("current     2.0 GiB\n"));
  CHECK_THAT(out, Catch::Contains("verdict     no leak (pattern: flat)"));
}

TEST_CASE("recording: render_analysis of a short recording asks for more history",
          "[analysis][recording]") {
  const auto s = synth::generate(synth::linear(50 * kMiB, 60 * kMiB),
                                 synth::Options().duration(5 * synth::kMinute).origin(1000));
  const std::string out = render_analysis(s, std::nullopt, Thresholds{});
  INFO(out);
  CHECK_THAT(out, Catch::Contains("verdict     growing, not enough history to judge (observed "
                                  "5m, a verdict needs 15m"));
  CHECK_THAT(out, !Catch::Contains("UTC"));  // relative times are not shown as dates
  CHECK_THAT(out, !Catch::Contains("limit"));
}

}  // namespace
}  // namespace lw::analysis
