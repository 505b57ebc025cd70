#include "procfs/proc_stat.h"

#include <string>
#include <string_view>

#include <catch2/catch.hpp>

#include "support/fake_root.h"

using namespace lw;
using namespace lw::procfs;

TEST_CASE("proc_stat: btime from the real file captured on 6.18", "[procfs][proc_stat]") {
  const auto b = parse_boot_time_seconds(testing::fixture("proc/stat"));
  REQUIRE(b.has_value());
  CHECK(*b == 1795259758u);
}

TEST_CASE("proc_stat: only the btime key counts", "[procfs][proc_stat]") {
  const auto b = parse_boot_time_seconds("cpu  1 2 3\nbtimex 5\nctxt 9\nbtime\t1700000000\n");
  REQUIRE(b.has_value());
  CHECK(*b == 1700000000u);
}

TEST_CASE("proc_stat: a missing or bad btime is malformed", "[procfs][proc_stat]") {
  using Case = std::pair<std::string_view, std::string_view>;
  const Case c = GENERATE(Case{"cpu  1 2 3\nctxt 9\n", "/proc/stat: no btime line"},
                          Case{"", "/proc/stat: no btime line"},
                          Case{"btime\n", "/proc/stat: bad value for btime"},
                          Case{"btime x\n", "/proc/stat: bad value for btime"},
                          Case{"btime -1\n", "/proc/stat: bad value for btime"},
                          Case{"btime 1 2\n", "/proc/stat: bad value for btime"});
  const auto b = parse_boot_time_seconds(c.first);
  REQUIRE_FALSE(b.has_value());
  CHECK(b.error().kind == ErrorKind::kMalformed);
  CHECK(b.error().detail == c.second);
}

TEST_CASE("proc_stat: truncated input never throws", "[procfs][proc_stat]") {
  const std::string real = testing::fixture("proc/stat");
  for (std::size_t n = 0; n <= real.size(); ++n) {
    CHECK_NOTHROW(parse_boot_time_seconds(std::string_view(real).substr(0, n)));
  }
}
