#include <chrono>
#include <cmath>
#include <limits>
#include <string>
#include <string_view>

#include <catch2/catch.hpp>

#include "config/config.h"

using namespace lw;
using namespace lw::config;
using namespace std::chrono_literals;

namespace {

// A Config changed in code (as the daemon does with --listen): errors carry no position.
std::string error_of(const Config& c) {
  const auto r = validate(c);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().kind == ErrorKind::kMalformed);
  return r.error().detail;
}

constexpr std::string_view kHash = "$2b$10$YQMR/pv/VVB3gkU/B9CiDO82WTQBkHJiXk4GGj53gU4j5hkuiVHiq";

}  // namespace

TEST_CASE("validate: the defaults are valid and unchanged", "[config]") {
  const auto r = validate(Config{});
  REQUIRE(r.has_value());
  CHECK(*r == Config{});
}

TEST_CASE("validate: errors from code name the key, without a position", "[config]") {
  Config c;
  c.web.threads = 2;
  CHECK(error_of(c) == "web.threads: 2 is out of range, allowed: 4..64");
  c = Config{};
  c.scan.interval = 2h;
  CHECK(error_of(c) == "scan.interval: 2h is out of range, allowed: 100ms..1h");
  c = Config{};
  c.analysis.suspect_score = std::numeric_limits<double>::quiet_NaN();
  CHECK(error_of(c).starts_with("analysis.suspect_score: "));
  c = Config{};
  c.store.max_series = 0;
  CHECK(error_of(c) == "store.max_series: 0 is out of range, allowed: 10..1000000");
}

TEST_CASE("validate: scan.smaps.max_age is at least scan.smaps.min_interval", "[config]") {
  Config c;
  CHECK(c.scan.smaps.max_age == 15min);
  c.scan.smaps.min_interval = 20min;
  CHECK(error_of(c) ==
        "scan.smaps.max_age: 15m is shorter than scan.smaps.min_interval (20m): every reading "
        "would expire, allowed: at least scan.smaps.min_interval");
  c = Config{};
  c.scan.smaps.max_age = 0ms;
  CHECK(error_of(c) == "scan.smaps.max_age: 0s is out of range, allowed: 1s..7d");
}

TEST_CASE("validate: web.listen is normalized to IPv4:PORT", "[config]") {
  const auto [in, out] = GENERATE(table<std::string, std::string>({
      {":9847", "0.0.0.0:9847"},
      {"localhost:80", "127.0.0.1:80"},
      {"127.0.0.1:0", "127.0.0.1:0"},
      {"10.20.30.40:65535", "10.20.30.40:65535"},
      {"0.0.0.0:09847", "0.0.0.0:9847"},
  }));
  CAPTURE(in);
  Config c;
  c.web.listen = in;
  const auto r = validate(c);
  REQUIRE(r.has_value());
  CHECK(r->web.listen == out);
}

TEST_CASE("validate: a listen address the server cannot bind is refused", "[config]") {
  const std::string bad =
      GENERATE("", "9847", ":", "1.2.3.4:", "1.2.3.4:65536", "1.2.3.4:-1", "256.1.1.1:80",
               "01.2.3.4:80", "1.2.3:80", "1.2.3.4.5:80", "host:80", "[::1]:9847", "::1:9847",
               ":::9847", "1.2.3.4:80 ", "1.2.3.4:000080");
  CAPTURE(bad);
  Config c;
  c.web.listen = bad;
  CHECK(error_of(c).starts_with("web.listen: "));
}

TEST_CASE("validate: basic_auth_users must hold bcrypt hashes", "[config]") {
  Config c;
  c.web.basic_auth_users = {{"alice", std::string(kHash)},
                            {"bob", "$2y$04$" + std::string(53, '.')},
                            {"carol", "$2a$31$" + std::string(kHash.substr(7))}};
  REQUIRE(validate(c).has_value());

  const std::string bad = GENERATE(
      "secret", "",
      "$2x$10$YQMR/pv/VVB3gkU/B9CiDO82WTQBkHJiXk4GGj53gU4j5hkuiVHiq",   // unknown variant
      "$2b$03$YQMR/pv/VVB3gkU/B9CiDO82WTQBkHJiXk4GGj53gU4j5hkuiVHiq",   // cost below 4
      "$2b$32$YQMR/pv/VVB3gkU/B9CiDO82WTQBkHJiXk4GGj53gU4j5hkuiVHiq",   // cost above 31
      "$2b$10$YQMR/pv/VVB3gkU/B9CiDO82WTQBkHJiXk4GGj53gU4j5hkuiVHi",    // 52 characters
      "$2b$10$YQMR/pv/VVB3gkU/B9CiDO82WTQBkHJiXk4GGj53gU4j5hkuiVHiqq",  // 54 characters
      "$2b$10$YQMR/pv/VVB3gkU/B9CiDO82WTQBkHJiXk4GGj53gU4j5hkuiVHi+",   // not bcrypt base64
      "$2b$10YQMR/pv/VVB3gkU/B9CiDO82WTQBkHJiXk4GGj53gU4j5hkuiVHiqq",   // no '$' after the cost
      "$1$saltsalt$0123456789012345678901");                            // MD5 crypt
  CAPTURE(bad);
  c.web.basic_auth_users = {{"alice", bad}};
  CHECK(error_of(c).starts_with("web.basic_auth_users.alice: not a bcrypt hash, allowed: "));

  c.web.basic_auth_users = {{"a:b", std::string(kHash)}};
  CHECK(error_of(c).starts_with("web.basic_auth_users.a:b: bad user name 'a:b'"));
}

TEST_CASE("validate: web.allow takes IPv4 CIDRs only", "[config]") {
  Config c;
  c.web.allow = {"0.0.0.0/0", "10.0.0.0/8", "192.168.1.7/32"};
  REQUIRE(validate(c).has_value());
  const std::string bad =
      GENERATE("10.0.0.0", "10.0.0.0/33", "10.0.0.0/", "/8", "10.0.0/8", "10.0.0.0/8/8", "::1/128",
               "10.0.0.0/008", "10.0.0.0/-1", "10.0.0.0/08");
  CAPTURE(bad);
  c.web.allow = {"127.0.0.0/8", bad};
  CHECK(error_of(c) == "web.allow[1]: '" + bad +
                           "' is not an IPv4 CIDR, allowed: a.b.c.d/nn with nn 0..32, e.g. "
                           "10.0.0.0/8");
}

TEST_CASE("validate: group name templates use known placeholders only", "[config]") {
  Config c;
  c.groups.by = GroupBy::kRules;
  GroupRule rule;
  rule.match.comm = "x";
  rule.name = "{comm}-{unit}-{cgroup}-{pid}";
  c.groups.rules = {rule};
  REQUIRE(validate(c).has_value());
  const std::string bad = GENERATE("", "{exe}", "{comm", "comm}", "{}", "{{comm}}");
  CAPTURE(bad);
  c.groups.rules[0].name = bad;
  CHECK(error_of(c).starts_with("groups.rules[0].name: "));
}

TEST_CASE("validate: matchers need a field and compilable regexes", "[config]") {
  Config c;
  c.exporter.include = {Matcher{}};
  CHECK(error_of(c).starts_with("export.include[0]: a matcher needs at least one field"));
  Matcher bad_regex;
  bad_regex.cmdline = "a)";
  c.exporter.include = {bad_regex};
  CHECK(error_of(c).starts_with("export.include[0].cmdline: bad regex 'a)'"));
  c.exporter.include = {};
  c.exporter.cgroups.include = {CgroupFilter{}};
  CHECK(error_of(c).starts_with("export.cgroups.include[0]: a cgroup filter needs a path"));
}

TEST_CASE("validate: paths are absolute and log.level is a known level", "[config]") {
  Config c;
  c.paths.state_dir = "var/lib/leakwatch";
  CHECK(error_of(c) ==
        "paths.state_dir: 'var/lib/leakwatch' is not an absolute path, allowed: a path starting "
        "with '/'");
  c = Config{};
  c.paths.procfs = "";
  CHECK(error_of(c).starts_with("paths.procfs: "));
  c = Config{};
  c.log.level = "warning";
  CHECK(error_of(c) ==
        "log.level: 'warning' is not a log level, allowed: trace, debug, info, warn, error");
}

TEST_CASE("validate: windows are sorted and deduplicated, and checked against the interval",
          "[config]") {
  Config c;
  c.analysis.windows = {6h, 15min, 60min, 1h};
  const auto r = validate(c);
  REQUIRE(r.has_value());
  CHECK(r->analysis.windows == std::vector<Duration>{15min, 1h, 6h});

  c.scan.interval = 10min;
  CHECK(error_of(c).starts_with(
      "analysis.windows: window 15m is shorter than 2 x scan.interval (10m)"));
  c.scan.interval = 10s;
  c.analysis.windows = {};
  CHECK(error_of(c) == "analysis.windows: 0 windows, allowed: 1..8 durations");
}
