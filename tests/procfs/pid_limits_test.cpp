#include "procfs/pid_limits.h"

#include <string>
#include <string_view>

#include <catch2/catch.hpp>

#include "support/fake_root.h"

using namespace lw;
using namespace lw::procfs;

namespace {

constexpr std::string_view kHeader =
    "Limit                     Soft Limit           Hard Limit           Units     \n";

std::string with_row(std::string_view row) {
  return std::string(kHeader) +
         "Max processes             96365                96365                processes \n" +
         std::string(row) +
         "Max locked memory         unlimited            unlimited            bytes     \n";
}

}  // namespace

TEST_CASE("limits: real files captured on 6.18", "[procfs][limits]") {
  const auto init = parse_nofile_limit(testing::fixture("proc/1/limits"));
  REQUIRE(init.has_value());
  CHECK(init->soft == 32768u);
  CHECK(init->hard == 32768u);
  const auto sleeper = parse_nofile_limit(testing::fixture("proc/5654/limits"));
  REQUIRE(sleeper.has_value());
  CHECK(sleeper->soft == 20000u);
  CHECK(sleeper->hard == 20000u);
}

TEST_CASE("limits: soft and hard are separate, unlimited is nullopt", "[procfs][limits]") {
  const auto a = parse_nofile_limit(
      with_row("Max open files            1024                 524288               files     \n"));
  REQUIRE(a.has_value());
  CHECK(a->soft == 1024u);
  CHECK(a->hard == 524288u);
  const auto b = parse_nofile_limit(
      with_row("Max open files            unlimited            unlimited            files     \n"));
  REQUIRE(b.has_value());
  CHECK_FALSE(b->soft.has_value());
  CHECK_FALSE(b->hard.has_value());
  const auto c = parse_nofile_limit(with_row("Max open files\t0\tunlimited\n"));  // no unit, tabs
  REQUIRE(c.has_value());
  CHECK(c->soft == 0u);
  CHECK_FALSE(c->hard.has_value());
}

TEST_CASE("limits: a bad row is malformed", "[procfs][limits]") {
  const std::string_view row =
      GENERATE("Max open files            1024\n", "Max open files            -1  4096  files\n",
               "Max open files            lots  4096  files\n",
               "Max open files            1024  4096  bytes\n",
               "Max open files            1024  4096  files  extra\n", "Max open files\n",
               "Max open files            1024  99999999999999999999  files\n");
  const auto l = parse_nofile_limit(with_row(row));
  REQUIRE_FALSE(l.has_value());
  CHECK(l.error().kind == ErrorKind::kMalformed);
  CHECK(l.error().detail == "limits: bad value for Max open files");
}

TEST_CASE("limits: a missing row is malformed", "[procfs][limits]") {
  const auto l = parse_nofile_limit(with_row("Max open filez            1024  4096  files\n"));
  REQUIRE_FALSE(l.has_value());
  CHECK(l.error().detail == "limits: no Max open files row");
}

TEST_CASE("limits: truncated or empty input never throws", "[procfs][limits]") {
  const std::string real = testing::fixture("proc/1/limits");
  for (std::size_t n = 0; n <= real.size(); ++n) {
    CHECK_NOTHROW(parse_nofile_limit(std::string_view(real).substr(0, n)));
  }
}
