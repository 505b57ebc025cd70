#include "procfs/vmstat.h"

#include <string>
#include <string_view>

#include <catch2/catch.hpp>

#include "support/fake_root.h"

using namespace lw;
using namespace lw::procfs;

TEST_CASE("vmstat: real file captured on 6.18", "[procfs][vmstat]") {
  const auto v = parse_vmstat(testing::fixture("proc/vmstat"));
  REQUIRE(v.has_value());
  CHECK(v->oom_kill == 0u);  // present and zero
  CHECK(v->thp_fault_alloc == 0u);
  CHECK(v->thp_fault_fallback == 0u);  // thp_fault_fallback_charge is a different key
  CHECK(v->compact_stall == 0u);
}

TEST_CASE("vmstat: counters by exact key", "[procfs][vmstat]") {
  const auto v = parse_vmstat(
      "nr_free_pages 1122687\noom_kill 17\nthp_fault_alloc 12\nthp_fault_fallback 3\n"
      "thp_fault_fallback_charge 99\ncompact_stall 5\ncompact_fail 8\n");
  REQUIRE(v.has_value());
  CHECK(v->oom_kill == 17u);
  CHECK(v->thp_fault_alloc == 12u);
  CHECK(v->thp_fault_fallback == 3u);
  CHECK(v->compact_stall == 5u);
}

TEST_CASE("vmstat: oom_kill is absent before 4.13, not zero", "[procfs][vmstat]") {
  const auto v = parse_vmstat("nr_free_pages 10\npgfault 100\n");
  REQUIRE(v.has_value());
  CHECK_FALSE(v->oom_kill.has_value());
  CHECK_FALSE(v->compact_stall.has_value());
}

TEST_CASE("vmstat: a bad value on a known key is an error", "[procfs][vmstat]") {
  const std::string_view line =
      GENERATE("oom_kill\n", "oom_kill x\n", "oom_kill -1\n", "oom_kill 1 2\n", "oom_kill 1kB\n",
               "oom_kill 99999999999999999999\n");
  const auto v = parse_vmstat("pgfault 1\n" + std::string(line));
  REQUIRE_FALSE(v.has_value());
  CHECK(v.error().kind == ErrorKind::kMalformed);
  CHECK(v.error().detail == "vmstat: bad value for oom_kill");
}

TEST_CASE("vmstat: truncated input never throws", "[procfs][vmstat]") {
  const std::string real = testing::fixture("proc/vmstat");
  for (std::size_t n = 0; n <= real.size(); ++n) {
    CHECK_NOTHROW(parse_vmstat(std::string_view(real).substr(0, n)));
  }
}
