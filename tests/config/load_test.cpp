#include <chrono>
#include <regex>
#include <string>

#include <catch2/catch.hpp>

#include "config/config.h"
#include "support/fake_root.h"

using namespace lw;
using namespace lw::config;
using namespace std::chrono_literals;

namespace {

const std::string kShipped = LW_SOURCE_DIR "/config/leakwatch.yaml";

}  // namespace

TEST_CASE("load_config: the shipped leakwatch.yaml holds exactly the defaults", "[config]") {
  const auto r = load_config(kShipped);
  if (!r) {
    FAIL(r.error().detail);
  }
  const Config& c = *r;
  const Config d;
  // Field by field first, so a drift names the key; then the whole struct, so none is missed.
  CHECK(c.scan.interval == d.scan.interval);
  CHECK(c.scan.smaps.enabled == d.scan.smaps.enabled);
  CHECK(c.scan.smaps.min_interval == d.scan.smaps.min_interval);
  CHECK(c.scan.smaps.max_rss_bytes == d.scan.smaps.max_rss_bytes);
  CHECK(c.scan.smaps.budget == d.scan.smaps.budget);
  CHECK(c.scan.smaps.top_k == d.scan.smaps.top_k);
  CHECK(c.scan.limits_interval == d.scan.limits_interval);
  CHECK(c.scan.kmsg == d.scan.kmsg);
  CHECK(c.store.retention == d.store.retention);
  CHECK(c.store.dead_grace == d.store.dead_grace);
  CHECK(c.store.max_series == d.store.max_series);
  CHECK(c.store.snapshot_interval == d.store.snapshot_interval);
  CHECK(c.analysis.windows == d.analysis.windows);
  CHECK(c.analysis.warmup_grace == d.analysis.warmup_grace);
  CHECK(c.analysis.min_observed == d.analysis.min_observed);
  CHECK(c.analysis.min_growth_ratio_per_hour == d.analysis.min_growth_ratio_per_hour);
  CHECK(c.analysis.min_growth_bytes_per_hour == d.analysis.min_growth_bytes_per_hour);
  CHECK(c.analysis.min_fd_growth_per_hour == d.analysis.min_fd_growth_per_hour);
  CHECK(c.analysis.suspect_score == d.analysis.suspect_score);
  CHECK(c.analysis.sibling_outlier_ratio == d.analysis.sibling_outlier_ratio);
  CHECK(c.analysis.max_oom_events == d.analysis.max_oom_events);
  CHECK(c.analysis.crash_loop_restart_within == d.analysis.crash_loop_restart_within);
  CHECK(c.exporter.top_k == d.exporter.top_k);
  CHECK(c.exporter.max_label_bytes == d.exporter.max_label_bytes);
  CHECK(c.exporter.cgroups.max_depth == d.exporter.cgroups.max_depth);
  CHECK(c.exporter.cgroups.min_usage_bytes == d.exporter.cgroups.min_usage_bytes);
  CHECK(c.exporter.cgroups.max_exported == d.exporter.cgroups.max_exported);
  CHECK(c.groups.by == d.groups.by);
  CHECK(c.web.listen == d.web.listen);
  CHECK(c.web.threads == d.web.threads);
  CHECK(c.web.request_timeout == d.web.request_timeout);
  CHECK(c.paths.procfs == d.paths.procfs);
  CHECK(c.paths.sysfs == d.paths.sysfs);
  CHECK(c.paths.state_dir == d.paths.state_dir);
  CHECK(c.paths.kmsg == d.paths.kmsg);
  CHECK(c.log.level == d.log.level);
  CHECK(c == d);
}

TEST_CASE("load_config: every key of the struct is in the shipped file", "[config]") {
  // Equality with the defaults cannot see a key missing from the file; this can.
  const std::string text = testing::read_file(kShipped);
  for (const char* key : {"scan:",
                          "  interval:",
                          "  smaps:",
                          "    enabled:",
                          "    min_interval:",
                          "    max_rss:",
                          "    budget:",
                          "    top_k:",
                          "    force:",
                          "  limits_interval:",
                          "  kmsg:",
                          "store:",
                          "  retention:",
                          "  dead_grace:",
                          "  max_series:",
                          "  snapshot_interval:",
                          "analysis:",
                          "  windows:",
                          "  warmup_grace:",
                          "  min_observed:",
                          "  rate_period:",
                          "  min_growth_ratio_per_hour:",
                          "  min_growth_bytes_per_hour:",
                          "  min_fd_growth_per_hour:",
                          "  suspect_score:",
                          "  sibling_outlier_ratio:",
                          "  max_oom_events:",
                          "  crash_loop_restart_within:",
                          "export:",
                          "  top_k:",
                          "  include:",
                          "  exclude:",
                          "  max_label_bytes:",
                          "  cgroups:",
                          "    max_depth:",
                          "    min_usage_bytes:",
                          "    max_exported:",
                          "    include:",
                          "    exclude:",
                          "groups:",
                          "  by:",
                          "  rules:",
                          "web:",
                          "  listen:",
                          "  threads:",
                          "  request_timeout:",
                          "  basic_auth_users:",
                          "  allow:",
                          "paths:",
                          "  procfs:",
                          "  sysfs:",
                          "  kmsg:",
                          "  state_dir:",
                          "log:",
                          "  level:"}) {
    CAPTURE(key);
    const std::string line = std::string("\n") + key;
    CHECK((text.find(line + " ") != std::string::npos ||
           text.find(line + "\n") != std::string::npos));
  }
}

TEST_CASE("load_config: the commented-out examples in the shipped file are valid", "[config]") {
  // Uncomment "  #  - comm: x" style lines and turn "key: []" into "key:" so the items attach.
  std::string text = testing::read_file(kShipped);
  text = std::regex_replace(text, std::regex(R"(\n( +)#  )"), "\n$1");
  text = std::regex_replace(text, std::regex(R"(: (\[\]|\{\})\n)"), ":\n");
  const auto r = parse_config(text, "examples.yaml");
  if (!r) {
    FAIL(r.error().detail);
  }
  CHECK(r->scan.smaps.force.size() == 2);
  CHECK(r->exporter.include.size() == 1);
  CHECK(r->exporter.exclude.size() == 1);
  CHECK(r->exporter.cgroups.include.size() == 1);
  CHECK(r->exporter.cgroups.exclude.size() == 1);
  CHECK(r->groups.rules.size() == 2);
  CHECK(r->web.basic_auth_users.size() == 1);
  CHECK(r->web.allow.size() == 2);
}

TEST_CASE("load_config: errors name the file path", "[config]") {
  testing::FakeRoot root;
  root.file("etc/leakwatch.yaml", "scan:\n  interval: 50ms\n");
  const std::string path = (root / "etc/leakwatch.yaml").string();
  const auto bad = load_config(path);
  REQUIRE_FALSE(bad.has_value());
  CHECK(bad.error().kind == ErrorKind::kMalformed);
  CHECK(bad.error().detail ==
        path + ":2:13: scan.interval: 50ms is out of range, allowed: 100ms..1h");

  const auto missing = load_config((root / "etc/nope.yaml").string());
  REQUIRE_FALSE(missing.has_value());
  CHECK(missing.error().kind == ErrorKind::kGone);
  CHECK(missing.error().detail.find("etc/nope.yaml") != std::string::npos);

  const auto dir = load_config((root / "etc").string());
  REQUIRE_FALSE(dir.has_value());
  CHECK(dir.error().kind == ErrorKind::kIo);  // EISDIR
}

TEST_CASE("load_config: an empty file gives the defaults", "[config]") {
  testing::FakeRoot root;
  root.file("empty.yaml", "");
  const auto r = load_config((root / "empty.yaml").string());
  REQUIRE(r.has_value());
  CHECK(*r == Config{});
}
