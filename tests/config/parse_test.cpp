#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include <catch2/catch.hpp>

#include "config/config.h"
#include "config/parse_helpers.h"

using namespace lw;
using namespace lw::config;
using namespace std::chrono_literals;

TEST_CASE("parse_config: an empty file, only comments or empty sections give the defaults",
          "[config]") {
  const std::string_view text =
      GENERATE("", "\n", "# nothing here\n# at all\n", "---\n", "scan:\nstore:\n", "~\n",
               "scan: {}\nweb:\n  # listen: ':1'\n");
  CAPTURE(text);
  const Config c = parsed(text);
  CHECK(c == Config{});
  CHECK(c.web.listen == "0.0.0.0:9847");
  CHECK(c.analysis.windows == std::vector<Duration>{15min, 1h, 6h});
}

namespace {

// Every section, with every kind of value: durations, sizes, numbers, booleans, lists, maps,
// regexes.
constexpr std::string_view kEveryValue = R"(
scan:
  interval: 166ms
  smaps:
    enabled: false
    min_interval: 5s
    max_rss: 512MiB
    budget: 3ms
    top_k: 7
    force:
      - comm: postgres
        cgroup: '/system\.slice/.*'
  limits_interval: 1s
  kmsg: False
store:
  retention: 6m
  dead_grace: 15s
  max_series: 300
  snapshot_interval: 0
analysis:
  windows: [6m, 15s, 1m, 60s]
  warmup_grace: 10s
  min_observed: 15s
  min_growth_ratio_per_hour: 0.25
  min_growth_bytes_per_hour: 10MB
  min_fd_growth_per_hour: 2.5
  suspect_score: 1
  sibling_outlier_ratio: 1.5
  max_oom_events: 0
  crash_loop_restart_within: 1s
export:
  top_k: 3
  include:
    - exe: '/usr/bin/.*'
  exclude:
    - cmdline: '.*--ignore.*'
  max_label_bytes: 64
  cgroups:
    max_depth: 2
    min_usage_bytes: 1KiB
    max_exported: 10
    include:
      - path: '/system\.slice.*'
    exclude: [{path: '/user\.slice.*'}]
groups:
  by: rules
  rules:
    - match: {comm: 'php-fpm.*'}
      name: 'php-{unit}'
web:
  listen: localhost:8080
  threads: 4
  request_timeout: 83ms
  basic_auth_users:
    alice: $2b$10$YQMR/pv/VVB3gkU/B9CiDO82WTQBkHJiXk4GGj53gU4j5hkuiVHiq
  allow: [127.0.0.0/8, 10.1.2.3/32]
paths:
  procfs: /host/proc
  sysfs: /host/sys
  state_dir: /tmp/lw
  kmsg: /dev/null
log:
  level: debug
)";

}  // namespace

TEST_CASE("parse_config: every kind of value is read into the struct", "[config]") {
  const Config c = parsed(kEveryValue);
  CHECK(c.scan.interval == 166ms);
  CHECK_FALSE(c.scan.smaps.enabled);
  CHECK(c.scan.smaps.min_interval == 5s);
  CHECK(c.scan.smaps.max_rss_bytes == 512ULL << 20);
  CHECK(c.scan.smaps.budget == 3ms);
  CHECK(c.scan.smaps.top_k == 7u);
  REQUIRE(c.scan.smaps.force.size() == 1);
  CHECK(c.scan.smaps.force[0] ==
        Matcher{.comm = "postgres", .exe = {}, .cmdline = {}, .cgroup = "/system\\.slice/.*"});
  CHECK(c.scan.limits_interval == 1s);
  CHECK_FALSE(c.scan.kmsg);
  CHECK(c.store.retention == 6min);
  CHECK(c.store.dead_grace == 15s);
  CHECK(c.store.max_series == 300u);
  CHECK(c.store.snapshot_interval == 0s);
  // Sorted, and 60s == 1m counted once.
  CHECK(c.analysis.windows == std::vector<Duration>{15s, 1min, 6min});
  CHECK(c.analysis.warmup_grace == 10s);
  CHECK(c.analysis.min_observed == 15s);
  CHECK(c.analysis.min_growth_ratio_per_hour == Approx(0.25));
  CHECK(c.analysis.min_growth_bytes_per_hour == 10'000'000u);
  CHECK(c.analysis.min_fd_growth_per_hour == Approx(2.5));
  CHECK(c.analysis.suspect_score == Approx(1.0));
  CHECK(c.analysis.sibling_outlier_ratio == Approx(1.5));
  CHECK(c.analysis.max_oom_events == 0u);
  CHECK(c.analysis.crash_loop_restart_within == 1s);
  CHECK(c.exporter.top_k == 3u);
  REQUIRE(c.exporter.include.size() == 1);
  CHECK(c.exporter.include[0].exe == "/usr/bin/.*");
  CHECK_FALSE(c.exporter.include[0].comm.has_value());
  REQUIRE(c.exporter.exclude.size() == 1);
  CHECK(c.exporter.exclude[0].cmdline == ".*--ignore.*");
  CHECK(c.exporter.max_label_bytes == 64u);
  CHECK(c.exporter.cgroups.max_depth == 2u);
  CHECK(c.exporter.cgroups.min_usage_bytes == 1024u);
  CHECK(c.exporter.cgroups.max_exported == 10u);
  REQUIRE(c.exporter.cgroups.include.size() == 1);
  CHECK(c.exporter.cgroups.include[0].path == "/system\\.slice.*");
  REQUIRE(c.exporter.cgroups.exclude.size() == 1);
  CHECK(c.exporter.cgroups.exclude[0].path == "/user\\.slice.*");
  CHECK(c.groups.by == GroupBy::kRules);
  REQUIRE(c.groups.rules.size() == 1);
  CHECK(c.groups.rules[0].match.comm == "php-fpm.*");
  CHECK(c.groups.rules[0].name == "php-{unit}");
  CHECK(c.web.listen == "127.0.0.1:8080");
  CHECK(c.web.threads == 4u);
  CHECK(c.web.request_timeout == 83ms);
  REQUIRE(c.web.basic_auth_users.size() == 1);
  CHECK(c.web.basic_auth_users[0].first == "alice");
  CHECK(c.web.basic_auth_users[0].second ==
        "$2b$10$YQMR/pv/VVB3gkU/B9CiDO82WTQBkHJiXk4GGj53gU4j5hkuiVHiq");
  CHECK(c.web.allow == std::vector<std::string>{"127.0.0.0/8", "10.1.2.3/32"});
  CHECK(c.paths.procfs == "/host/proc");
  CHECK(c.paths.sysfs == "/host/sys");
  CHECK(c.paths.state_dir == "/tmp/lw");
  CHECK(c.paths.kmsg == "/dev/null");
  CHECK(c.log.level == "debug");
}

TEST_CASE("parse_config: a list in the file replaces the default list", "[config]") {
  CHECK(parsed("analysis:\n  windows: [2h]\n").analysis.windows == std::vector<Duration>{2h});
}

TEST_CASE("parse_config: ':PORT' listens on all interfaces", "[config]") {
  CHECK(parsed("web:\n  listen: ':9100'\n").web.listen == "0.0.0.0:9100");
  CHECK(parsed("web:\n  listen: 192.168.1.5:0\n").web.listen == "192.168.1.5:0");
}

TEST_CASE("parse_config: every default divided by 60 is accepted, for fast tests", "[config]") {
  const Config c = parsed(R"(
scan:
  interval: 166ms
  smaps: {min_interval: 5s, budget: 3ms}
  limits_interval: 1s
store: {retention: 6m, dead_grace: 15s, snapshot_interval: 5s}
analysis: {windows: [15s, 1m, 6m], warmup_grace: 10s, min_observed: 15s}
web: {request_timeout: 83ms}
)");
  CHECK(c.scan.interval == 166ms);
  CHECK(c.analysis.windows.back() == 6min);
}

TEST_CASE("parse_config: no input makes it throw, however it is cut", "[config]") {
  const std::string text = R"(scan:
  interval: 10s
  smaps: {enabled: true, force: [{comm: 'a(b|c)'}]}
analysis:
  windows: [15m, "1h", 6h]
web:
  basic_auth_users:
    alice: "$2b$10$YQMR/pv/VVB3gkU/B9CiDO82WTQBkHJiXk4GGj53gU4j5hkuiVHiq"
  allow: [10.0.0.0/8]
groups:
  rules:
    - match: {comm: x}
      name: '{comm}'
)";
  REQUIRE(parse_config(text, "t").has_value());
  for (std::size_t n = 0; n < text.size(); ++n) {
    CAPTURE(n);
    const auto r = parse_config(std::string_view(text).substr(0, n), "t");
    if (!r) {
      CHECK(r.error().kind == ErrorKind::kMalformed);
      CHECK(starts_with(r.error().detail, "t"));
    }
  }
  for (const std::string_view junk :
       {"\x01\x02", "{{{{", "[[[[", "&a [*a]", "*unknown", "!!binary zzz", "key: \"\\xZZ\""}) {
    CAPTURE(junk);
    const auto r = parse_config(junk, "t");
    CHECK_FALSE(r.has_value());
  }
}

TEST_CASE("parse_config: the attribution section is read and range-checked", "[config]") {
  const auto cfg = lw::config::parse_config(
      "attribution:\n  sample_interval: 64KiB\n  stack_bytes: 4KiB\n  min_age: 2s\n"
      "  probe_phase: 500ms\n  target_budget_percent: 2.5\n  trap_cost_us: 1.5\n"
      "  allocator_libraries: [libjemalloc]\n  symbol_prefix: je_\n",
      "leakwatch.yaml");
  REQUIRE(cfg);
  CHECK(cfg->attribution.sample_interval == 64 * 1024);
  CHECK(cfg->attribution.stack_bytes == 4096);
  CHECK(cfg->attribution.min_age == std::chrono::seconds(2));
  CHECK(cfg->attribution.probe_phase == std::chrono::milliseconds(500));
  CHECK(cfg->attribution.target_budget_percent == 2.5);
  CHECK(cfg->attribution.trap_cost_us == 1.5);
  CHECK(cfg->attribution.allocator_libraries == std::vector<std::string>{"libjemalloc"});
  CHECK(cfg->attribution.symbol_prefix == "je_");
  CHECK(error_of("attribution:\n  stack_bytes: 32KiB\n").find("attribution.stack_bytes") !=
        std::string::npos);
  CHECK(error_of("attribution:\n  ring_buffer: 100KiB\n").find("not a power of two") !=
        std::string::npos);
  CHECK(error_of("attribution:\n  sample_interval: 2GiB\n").find("out of range") !=
        std::string::npos);
}
