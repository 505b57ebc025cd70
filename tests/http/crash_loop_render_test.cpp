// A crash-looping group in /api/v1/groups and on the status page: its deaths, their causes and
// peaks; a group that is no crash loop shows no such table.

#include <string>

#include <catch2/catch.hpp>

#include "http/api.h"
#include "http/json_check.h"
#include "http/report_fixture.h"
#include "http/status_page.h"

namespace lw::testing {
namespace {

analysis::Report with_crash_loop() {
  analysis::Report r = sample_report();
  analysis::GroupReport g;
  g.name = "<worker>";
  g.crash_loop = true;
  g.leak_suspects = 1;
  for (int i = 0; i < 3; ++i) {
    g.deaths.push_back(
        {.pid = 700 + i,
         .unit = "worker.service",
         .cgroup = "/system.slice/worker.service",
         .start_seconds = kGeneratedAt - 1800 + 600.0 * i,
         .end_seconds = kGeneratedAt - 1200 + 600.0 * i,
         .peak_private_bytes = 900 * kMiB,
         .pattern = "growing",
         .cause = i == 1 ? analysis::DeathCause::kRestarted : analysis::DeathCause::kOomKill});
  }
  r.groups.push_back(g);
  return r;
}

TEST_CASE("groups JSON: a crash loop with its deaths, causes and peaks", "[http][crash_loop]") {
  const auto doc = json::parse(http::render_groups_json(with_crash_loop()));
  REQUIRE(doc.has_value());
  REQUIRE(doc->array.size() == 1);
  const json::Value& g = doc->array[0];
  CHECK(g.get("name")->string == "<worker>");
  CHECK(g.get("crash_loop")->boolean);
  CHECK(g.get("leak_suspects")->number == 1);
  const json::Value* deaths = g.get("deaths");
  REQUIRE(deaths != nullptr);
  REQUIRE(deaths->array.size() == 3);
  const json::Value& d = deaths->array[1];
  CHECK(d.get("pid")->number == 701);
  CHECK(d.get("cause")->string == "restarted");
  CHECK(deaths->array[0].get("cause")->string == "oom_kill");
  CHECK(d.get("pattern")->string == "growing");
  CHECK(d.get("unit")->string == "worker.service");
  CHECK(d.get("peak_private_bytes")->number == 900.0 * kMiB);
  CHECK(d.get("end")->number - d.get("start")->number == Approx(600));
}

TEST_CASE("status page: a crash-loop table only when there is one", "[http][crash_loop]") {
  const std::string none = http::render_status_page(sample_report(), {}, kGeneratedAt);
  CHECK(none.find("Crash loops") == std::string::npos);
  const std::string page = http::render_status_page(with_crash_loop(), {}, kGeneratedAt);
  CHECK(page.find("<h2>Crash loops</h2>") != std::string::npos);
  CHECK(page.find("&lt;worker&gt;") != std::string::npos);  // the name is escaped
  CHECK(page.find("<worker>") == std::string::npos);
  CHECK(page.find(">702<") != std::string::npos);
  CHECK(page.find("oom_kill") != std::string::npos);
  CHECK(page.find("restarted") != std::string::npos);
  CHECK(page.find("900") != std::string::npos);
}

}  // namespace
}  // namespace lw::testing
