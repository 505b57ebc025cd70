#include "procfs/pid_cgroup.h"

#include <string>
#include <string_view>

#include <catch2/catch.hpp>

#include "support/fake_root.h"

using namespace lw;
using namespace lw::procfs;

TEST_CASE("cgroup: real hybrid file captured on 6.18", "[procfs][cgroup]") {
  const auto c = parse_pid_cgroup(testing::fixture("proc/5654/cgroup"));
  REQUIRE(c.has_value());
  CHECK(c->unified_path == "/");
  CHECK(c->v1_memory_path == "/process_api/489362f4c1d392be500f737bc221f9cc");
  CHECK(c->v1_systemd_path == "/");
}

TEST_CASE("cgroup: pure v2 host has only the 0:: line", "[procfs][cgroup]") {
  const auto c = parse_pid_cgroup("0::/system.slice/leaky.service\n");
  REQUIRE(c.has_value());
  CHECK(c->unified_path == "/system.slice/leaky.service");
  CHECK_FALSE(c->v1_memory_path.has_value());
  CHECK_FALSE(c->v1_systemd_path.has_value());
}

TEST_CASE("cgroup: v1 controller lists are matched by whole name", "[procfs][cgroup]") {
  const auto c = parse_pid_cgroup(
      "12:hugetlb:/\n"
      "4:cpu,memory,cpuacct:/docker/abc\n"
      "3:memoryx:/wrong\n"
      "2:name=systemdx:/wrong\n"
      "1:name=systemd:/system.slice/docker.service\n");
  REQUIRE(c.has_value());
  CHECK(c->v1_memory_path == "/docker/abc");
  CHECK(c->v1_systemd_path == "/system.slice/docker.service");
  CHECK_FALSE(c->unified_path.has_value());
}

TEST_CASE("cgroup: a path may contain ':' and spaces", "[procfs][cgroup]") {
  const auto c = parse_pid_cgroup("7:memory:/a:b c/d\n0::/x:y\n");
  REQUIRE(c.has_value());
  CHECK(c->v1_memory_path == "/a:b c/d");
  CHECK(c->unified_path == "/x:y");
}

TEST_CASE("cgroup: a line without two ':' is malformed", "[procfs][cgroup]") {
  using Case = std::pair<std::string_view, std::string_view>;
  const Case c = GENERATE(Case{"0::/\nnonsense\n", "cgroup: bad line 'nonsense'"},
                          Case{"7:memory\n", "cgroup: bad line '7:memory'"},
                          Case{"x:memory:/a\n", "cgroup: bad line 'x:memory:/a'"},
                          Case{":memory:/a\n", "cgroup: bad line ':memory:/a'"});
  const auto r = parse_pid_cgroup(c.first);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().kind == ErrorKind::kMalformed);
  CHECK(r.error().detail == c.second);
}

TEST_CASE("cgroup: truncated input never throws", "[procfs][cgroup]") {
  const std::string real = testing::fixture("proc/5654/cgroup");
  for (std::size_t n = 0; n <= real.size(); ++n) {
    CHECK_NOTHROW(parse_pid_cgroup(std::string_view(real).substr(0, n)));
  }
}
