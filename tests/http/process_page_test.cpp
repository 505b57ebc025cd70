#include "http/process_page.h"

#include <memory>
#include <string>

#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>

#include <catch2/catch.hpp>

#include "export/report_board.h"
#include "http/basic_auth.h"
#include "http/report_fixture.h"
#include "http/router.h"

using lw::http::CrashLoopView;
using lw::http::HeadroomView;
using lw::http::render_process_page;
using lw::testing::kGeneratedAt;
using lw::testing::kHostileComm;
using lw::testing::kMiB;

namespace {

// The sample report's hostile leaker, with charts, evidence and a regime change.
lw::analysis::Report page_report() {
  lw::analysis::Report r = lw::testing::sample_report();
  r.memory_rule = {.suspect_score = 0.7,
                   .min_observed_seconds = 900,
                   .warmup_grace_seconds = 600,
                   .min_growth_per_hour = 1048576,
                   .min_growth_ratio_per_hour = 0.05,
                   .hour_seconds = 3600};
  r.fds_rule = r.memory_rule;
  r.fds_rule.min_growth_per_hour = 60;
  lw::analysis::ProcessReport& p = r.processes.front();
  p.charts = std::make_shared<const lw::analysis::ProcessCharts>(
      lw::analysis::ProcessCharts{.private_bytes = lw::testing::ramp(600.0 * kMiB, 1.0 * kMiB, 30),
                                  .rss_bytes = lw::testing::ramp(650.0 * kMiB, 1.0 * kMiB, 30),
                                  .pss_bytes = lw::testing::ramp(640.0 * kMiB, 1.0 * kMiB, 3),
                                  .fds = lw::testing::ramp(12, 0, 30)});
  p.memory.regime_since_seconds = kGeneratedAt - 900;
  p.memory.regime_change = "onset";
  p.memory.evidence = lw::analysis::VerdictEvidence{.rate_per_second = 2048.5,
                                                    .floor_rate_per_second = 2000.0,
                                                    .observed_seconds = 900,
                                                    .consistency = 1.0,
                                                    .persistence = 0.9,
                                                    .margin = 7.0,
                                                    .from_regime = true};
  return r;
}

class EmptyCollectable final : public prometheus::Collectable {
 public:
  std::vector<prometheus::MetricFamily> Collect() const override { return {}; }
};

struct Answer {
  int status = 0;
  std::string content_type;
  std::string body;
};

Answer get(lw::http::Router& router, const std::string& path) {
  const std::string raw =
      router.answer({.method = "GET", .path = path, .authorization = "", .accept_encoding = ""});
  Answer a;
  a.status = std::stoi(raw.substr(9, 3));
  const auto ct = raw.find("Content-Type: ");
  a.content_type = raw.substr(ct + 14, raw.find("\r\n", ct) - ct - 14);
  a.body = raw.substr(raw.find("\r\n\r\n") + 4);
  return a;
}

}  // namespace

TEST_CASE("process page: charts, evidence and time to limit of a leaking process",
          "[http][process_page]") {
  const auto page = render_process_page(page_report(), 4242, kGeneratedAt + 5);
  REQUIRE(page.has_value());
  CHECK(page->starts_with("<!DOCTYPE html>"));
  // One polyline per series; PSS has 3 points, the floor is computed from the private history.
  for (const char* series : {"private", "RSS", "PSS", "floor of private", "open FDs"}) {
    INFO(series);
    CHECK(page->find(std::string("<polyline data-series=\"") + series + "\"") != std::string::npos);
  }
  CHECK(page->find("current regime (onset)") != std::string::npos);
  // Evidence: the trends, the score's terms, each condition of "suspect".
  CHECK(page->find("Trend of the floor") != std::string::npos);
  CHECK(page->find("+7.0 MiB/h") != std::string::npos);  // 2048.5 B/s
  CHECK(page->find("the current regime, since") != std::string::npos);
  CHECK(page->find("m, margin") != std::string::npos);
  CHECK(page->find("7.00") != std::string::npos);
  CHECK(page->find("the score is at least 0.70") != std::string::npos);
  CHECK(page->find("a leak suspect") != std::string::npos);
  CHECK(page->find("the cgroup limit") != std::string::npos);
  CHECK(page->find("1h 0m") != std::string::npos);
  // The FD verdict has no evidence (flat shortcut) and says so.
  CHECK(page->find("Nothing moved over the longest window") != std::string::npos);
  // Sections whose data the report does not carry yet.
  CHECK(page->find("<h2>Headroom</h2><p class=\"muted\">Not available.</p>") != std::string::npos);
  CHECK(page->find("<h2>Crash loop</h2><p class=\"muted\">Not available.</p>") !=
        std::string::npos);
  // Self-contained.
  CHECK(page->find("src=") == std::string::npos);
  CHECK(page->find("http://") == std::string::npos);
  CHECK(page->find("<script") == std::string::npos);
}

TEST_CASE("process page: a hostile name is escaped everywhere", "[http][process_page]") {
  const auto page = render_process_page(page_report(), 4242, kGeneratedAt);
  REQUIRE(page.has_value());
  CHECK(page->find("<script") == std::string::npos);
  CHECK(page->find(kHostileComm) == std::string::npos);
  CHECK(page->find("<title>&lt;script&gt;alert(1)&lt;/script&gt;&quot;&amp;&#39; (4242)") !=
        std::string::npos);
  CHECK(page->find("aria-label=\"memory of &lt;script&gt;") != std::string::npos);
  CHECK(page->find("web&amp;co") != std::string::npos);
  // The invalid UTF-8 name (sanitised by the report builder) stays valid on its page.
  const auto weird = render_process_page(page_report(), 777, kGeneratedAt);
  REQUIRE(weird.has_value());
  CHECK(weird->find("bad\xEF\xBF\xBD\xEF\xBF\xBD name") != std::string::npos);
}

TEST_CASE("process page: an untracked process has no history, and says why",
          "[http][process_page]") {
  const auto page = render_process_page(page_report(), 100, kGeneratedAt);
  REQUIRE(page.has_value());
  CHECK(page->find("No history in the report") != std::string::npos);
  CHECK(page->find("<polyline") == std::string::npos);
  CHECK(page->find("Not judged yet") != std::string::npos);
}

TEST_CASE("process page: unknown and exited pids have no page", "[http][process_page]") {
  CHECK_FALSE(render_process_page(page_report(), 999999, kGeneratedAt).has_value());
  CHECK_FALSE(render_process_page(page_report(), 555, kGeneratedAt).has_value());  // exited
}

TEST_CASE("process page: headroom and crash-loop sections render their data, escaped",
          "[http][process_page]") {
  HeadroomView h;
  h.scope = "/system.slice/<x>.service";
  h.limit_kind = "cgroup";
  h.limit_bytes = 1024 * kMiB;
  h.terms = {{"", "memory.current", 900 * kMiB, "memory.current"},
             {"−", "inactive_file", 200 * kMiB, "memory.stat"}};
  h.unreclaimable_bytes = 700 * kMiB;
  h.headroom_bytes = 324 * kMiB;
  h.growth_bytes_per_second = 2048.5;
  const std::string headroom = lw::http::render_headroom_section(h);
  CHECK(headroom.find("/system.slice/&lt;x&gt;.service") != std::string::npos);
  CHECK(headroom.find("− inactive_file") != std::string::npos);
  CHECK(headroom.find("200.0 MiB") != std::string::npos);
  CHECK(headroom.find("324.0 MiB") != std::string::npos);
  CHECK(headroom.find("Not available") == std::string::npos);

  CrashLoopView c{.group = "svc<1>", .suspect = true, .instances = {}};
  c.instances.push_back({.pid = 10,
                         .started_at = kGeneratedAt - 600,
                         .ended_at = kGeneratedAt - 300,
                         .end_cause = "oom_kill",
                         .peak_private_bytes = 500 * kMiB,
                         .pattern = "growing"});
  c.instances.push_back({.pid = 11,
                         .started_at = kGeneratedAt - 290,
                         .ended_at = std::nullopt,
                         .end_cause = "",
                         .peak_private_bytes = std::nullopt,
                         .pattern = "growing"});
  const std::string loop = lw::http::render_crash_loop_section(c);
  CHECK(loop.find("svc&lt;1&gt;") != std::string::npos);
  CHECK(loop.find("crash-loop suspect") != std::string::npos);
  CHECK(loop.find("oom_kill") != std::string::npos);
  CHECK(loop.find("500.0 MiB") != std::string::npos);
  CHECK(loop.find("running") != std::string::npos);

  // The terms the memory verdict carries become the section by default.
  lw::analysis::Report with_terms = page_report();
  lw::analysis::HeadroomTerms terms;
  terms.cgroup = "/system.slice/leaky.service";
  terms.limit_kind = "cgroup";
  terms.limit_bytes = 1024 * kMiB;
  terms.charged_bytes = 900 * kMiB;
  terms.inactive_file_bytes = 150 * kMiB;
  terms.unreclaimable_bytes = 750 * kMiB;
  terms.headroom_bytes = 274.0 * kMiB;
  with_terms.processes.front().memory.headroom = terms;
  const auto from_terms = render_process_page(with_terms, 4242, kGeneratedAt);
  REQUIRE(from_terms.has_value());
  CHECK(from_terms->find("<h2>Headroom</h2><p class=\"muted\">Not available") == std::string::npos);
  CHECK(from_terms->find("274.0 MiB") != std::string::npos);
  CHECK(from_terms->find("− inactive_file") != std::string::npos);
  CHECK(from_terms->find("150.0 MiB") != std::string::npos);

  lw::http::ProcessPageExtras extras{.headroom = h, .crash_loop = c};
  const auto page = render_process_page(page_report(), 4242, kGeneratedAt, extras);
  REQUIRE(page.has_value());
  CHECK(page->find("Not available") == std::string::npos);
}

TEST_CASE("process page: a crash-looping group's deaths come from the report",
          "[http][process_page]") {
  lw::analysis::Report r = page_report();
  const lw::analysis::ProcessReport& p = r.processes.front();
  const auto without = render_process_page(r, 4242, kGeneratedAt);
  REQUIRE(without.has_value());
  CHECK(!lw::http::crash_loop_view(r, p).has_value());

  lw::analysis::GroupReport* group = nullptr;
  for (auto& g : r.groups) {
    if (g.name == p.group) {
      group = &g;
    }
  }
  if (group == nullptr) {
    lw::analysis::GroupReport g;
    g.name = p.group;
    r.groups.push_back(g);
    group = &r.groups.back();
  }
  group->crash_loop = true;
  for (int i = 0; i < 3; ++i) {
    group->deaths.push_back(
        {.pid = 100 + i,
         .unit = "leaky.service",
         .cgroup = "/system.slice/leaky.service",
         .start_seconds = kGeneratedAt - 900 + 300 * i,
         .end_seconds = kGeneratedAt - 700 + 300 * i,
         .peak_private_bytes = (300 + 10 * static_cast<std::uint64_t>(i)) * kMiB,
         .pattern = "growing",
         .cause = lw::analysis::DeathCause::kOomKill});
  }
  const auto view = lw::http::crash_loop_view(r, p);
  REQUIRE(view.has_value());
  CHECK(view->suspect);
  REQUIRE(view->instances.size() == 4);  // three deaths, then this process running
  CHECK(view->instances[0].end_cause == "oom_kill");
  CHECK(view->instances[3].pid == 4242);
  CHECK(!view->instances[3].ended_at.has_value());
  const auto page = render_process_page(r, 4242, kGeneratedAt);
  REQUIRE(page.has_value());
  CHECK(page->find("crash-loop suspect") != std::string::npos);
  CHECK(page->find("320.0 MiB") != std::string::npos);
  CHECK(page->find("oom_kill") != std::string::npos);
}

TEST_CASE("process page route: 200 for a live pid, 404 unknown or exited, 400 not a pid",
          "[http][process_page]") {
  lw::exporter::ReportBoard board;
  board.publish(std::make_shared<const lw::analysis::Report>(page_report()));
  const EmptyCollectable metrics;
  lw::http::Router router(board, metrics, nullptr, nullptr);

  const Answer ok = get(router, "/process/4242");
  CHECK(ok.status == 200);
  CHECK(ok.content_type == "text/html; charset=utf-8");
  CHECK(ok.body.find("<polyline data-series=\"private\"") != std::string::npos);

  for (const char* path : {"/process/999999", "/process/555"}) {
    INFO(path);
    const Answer a = get(router, path);
    CHECK(a.status == 404);
    CHECK(a.content_type == "text/html; charset=utf-8");
    CHECK(a.body.find("No live process with pid") != std::string::npos);
  }
  for (const char* path :
       {"/process/abc", "/process/", "/process/-1", "/process/0", "/process/4242abc",
        "/process/4242/x", "/process/<script>", "/process/99999999999999999999"}) {
    INFO(path);
    const Answer a = get(router, path);
    CHECK(a.status == 400);
    CHECK(a.body.find("Not a process id") != std::string::npos);
    CHECK(a.body.find("<script") == std::string::npos);
  }
  CHECK(get(router, "/processX").status == 404);
}

TEST_CASE("status page: every process row links to its page", "[http][process_page]") {
  lw::exporter::ReportBoard board;
  board.publish(std::make_shared<const lw::analysis::Report>(page_report()));
  const EmptyCollectable metrics;
  lw::http::Router router(board, metrics, nullptr, nullptr);
  const Answer status = get(router, "/");
  CHECK(status.body.find("<a href=\"/process/4242\">4242</a>") != std::string::npos);
  CHECK(status.body.find("<a href=\"/process/777\">777</a>") != std::string::npos);
  CHECK(status.body.find("/api/v1/processes/4242\"") == std::string::npos);
}
