#include "procfs/pressure.h"

#include <string>
#include <string_view>

#include <catch2/catch.hpp>

#include "support/fake_root.h"

using namespace lw;
using namespace lw::procfs;

TEST_CASE("pressure: real files captured on 6.18", "[procfs][pressure]") {
  const auto mem = parse_pressure(testing::fixture("proc/pressure/memory"));
  REQUIRE(mem.has_value());
  REQUIRE(mem->some.has_value());
  REQUIRE(mem->full.has_value());
  CHECK(mem->some->total_us == 0u);
  CHECK(mem->full->avg10 == Approx(0.0));

  const auto cpu = parse_pressure(testing::fixture("proc/pressure/cpu"));
  REQUIRE(cpu.has_value());
  REQUIRE(cpu->some.has_value());
  CHECK(cpu->some->avg10 == Approx(2.19));
  CHECK(cpu->some->avg60 == Approx(0.80));
  CHECK(cpu->some->avg300 == Approx(0.61));
  CHECK(cpu->some->total_us == 3826914u);
}

TEST_CASE("pressure: some and full are read separately", "[procfs][pressure]") {
  const auto p = parse_pressure(
      "some avg10=12.50 avg60=3.25 avg300=0.75 total=98765432\n"
      "full avg10=1.00 avg60=0.50 avg300=0.10 total=12345\n");
  REQUIRE(p.has_value());
  REQUIRE(p->some.has_value());
  REQUIRE(p->full.has_value());
  CHECK(p->some->avg10 == Approx(12.5));
  CHECK(p->some->avg60 == Approx(3.25));
  CHECK(p->some->avg300 == Approx(0.75));
  CHECK(p->some->total_us == 98765432u);
  CHECK(p->full->avg10 == Approx(1.0));
  CHECK(p->full->avg60 == Approx(0.5));
  CHECK(p->full->avg300 == Approx(0.1));
  CHECK(p->full->total_us == 12345u);
}

TEST_CASE("pressure: a missing full line is absent", "[procfs][pressure]") {
  const auto p = parse_pressure("some avg10=0.00 avg60=0.00 avg300=0.00 total=7");
  REQUIRE(p.has_value());
  CHECK(p->some->total_us == 7u);
  CHECK_FALSE(p->full.has_value());
}

TEST_CASE("pressure: a bad line is malformed", "[procfs][pressure]") {
  using Case = std::pair<std::string_view, std::string_view>;
  const Case c = GENERATE(
      Case{"some avg10=0.00 avg60=0.00 avg300=0.00\n", "pressure: bad some line"},
      Case{"some avg10=0.00 avg60=0.00 avg300=0.00 total=1 extra=2\n", "pressure: bad some line"},
      Case{"some avg60=0.00 avg10=0.00 avg300=0.00 total=1\n", "pressure: bad some line"},
      Case{"some avg10=x avg60=0.00 avg300=0.00 total=1\n", "pressure: bad some line"},
      Case{"some avg10=0.00 avg60=0.00 avg300=0.00 total=-1\n", "pressure: bad some line"},
      Case{"some avg10=0.00 avg60=0.00 avg300=0.00 total=\n", "pressure: bad some line"},
      Case{"some avg10=0.00 avg60=0.00 avg300=0.00 total=1\nfull avg10=0.00\n",
           "pressure: bad full line"},
      Case{"some avg10=0.00 avg60=0.00 avg300=0.00 total=1\nsome avg10=0.00 avg60=0.00 "
           "avg300=0.00 total=1\n",
           "pressure: duplicate some"},
      Case{"full avg10=0.00 avg60=0.00 avg300=0.00 total=1\n", "pressure: no some line"},
      Case{"", "pressure: no some line"});
  const auto p = parse_pressure(c.first);
  REQUIRE_FALSE(p.has_value());
  CHECK(p.error().kind == ErrorKind::kMalformed);
  CHECK(p.error().detail == c.second);
}

TEST_CASE("pressure: truncated input never throws", "[procfs][pressure]") {
  const std::string real = testing::fixture("proc/pressure/cpu");
  for (std::size_t n = 0; n <= real.size(); ++n) {
    CHECK_NOTHROW(parse_pressure(std::string_view(real).substr(0, n)));
  }
}
