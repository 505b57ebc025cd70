// /metrics: the text format, gzip, a Collect() that throws or returns nothing, one render per
// published report, and the real LeakCollectable wired in.

#include <atomic>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <prometheus/client_metric.h>
#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>

#include <catch2/catch.hpp>

#include "analysis/report.h"
#include "export/leak_collectable.h"
#include "export/report_board.h"
#include "http/gunzip.h"
#include "http/http_client.h"
#include "http/report_fixture.h"
#include "http/server.h"
#include "http/server_fixture.h"

using lw::http::Health;
using lw::http::HttpServer;
using lw::testing::Fixture;
using lw::testing::gunzip;
using lw::testing::http_get;
using lw::testing::HttpResponse;
using lw::testing::must;
using lw::testing::StaticCollectable;

namespace {

// Collect() by `mode`: 0 = one family, 1 = throws std::runtime_error, 2 = throws a non-std
// exception, 3 = returns nothing (what LeakCollectable does after catching its own failure).
class ThrowingCollectable final : public prometheus::Collectable {
 public:
  std::atomic<int> mode{1};
  std::vector<prometheus::MetricFamily> Collect() const override {
    if (mode.load() == 1) {
      throw std::runtime_error("collect failed");
    }
    if (mode.load() == 2) {
      throw 42;  // NOLINT(hicpp-exception-baseclass): exactly what the handler must survive
    }
    if (mode.load() == 3) {
      return {};
    }
    return StaticCollectable().Collect();
  }
};

// Counts Collect() calls; the value of its one gauge is the call number.
class CountingCollectable final : public prometheus::Collectable {
 public:
  mutable std::atomic<int> calls{0};
  std::vector<prometheus::MetricFamily> Collect() const override {
    const int n = calls.fetch_add(1) + 1;
    prometheus::MetricFamily family;
    family.name = "leakwatch_test_collects";
    family.help = "Collect() calls.";
    family.type = prometheus::MetricType::Gauge;
    prometheus::ClientMetric m;
    m.gauge.value = n;
    family.metric.push_back(m);
    return {family};
  }
};

}  // namespace

TEST_CASE("server: /metrics serves the text format with version 0.0.4", "[http][server]") {
  Fixture f;
  const HttpResponse r = must(http_get(f.port, "/metrics"));
  CHECK(r.status == 200);
  CHECK(r.header("Content-Type") == "text/plain; version=0.0.4; charset=utf-8");
  CHECK(r.header("X-Content-Type-Options") == "nosniff");
  CHECK_FALSE(r.header("Content-Encoding").has_value());
  CHECK(r.body.find("# TYPE leakwatch_test_metric gauge\n") != std::string::npos);
  CHECK(r.body.find("leakwatch_test_metric{comm=\"c0\"} 42\n") != std::string::npos);
  CHECK(r.header("Content-Length") == std::to_string(r.body.size()));
}

TEST_CASE("server: /metrics is gzipped when the client accepts gzip", "[http][server]") {
  Fixture f;
  const HttpResponse plain = must(http_get(f.port, "/metrics"));
  const HttpResponse zipped = must(http_get(f.port, "/metrics", {{"Accept-Encoding", "gzip"}}));
  CHECK(zipped.status == 200);
  CHECK(zipped.header("Content-Encoding") == "gzip");
  CHECK(zipped.header("Vary") == "Accept-Encoding");
  CHECK(zipped.body.size() < plain.body.size());
  CHECK(gunzip(zipped.body) == plain.body);
  const HttpResponse refused =
      must(http_get(f.port, "/metrics", {{"Accept-Encoding", "gzip;q=0"}}));
  CHECK_FALSE(refused.header("Content-Encoding").has_value());
}

TEST_CASE("server: an exception in Collect() is a 500 and the server keeps serving",
          "[http][server]") {
  ThrowingCollectable throwing;
  Fixture f({}, &throwing);
  const int mode = GENERATE(1, 2);
  throwing.mode = mode;
  const auto errors_before = f.server->internal_errors();
  const HttpResponse r = must(http_get(f.port, "/metrics"));
  CHECK(r.status == 500);
  CHECK(r.body == "internal server error\n");
  CHECK(r.body.find("collect failed") == std::string::npos);  // no internals leak out
  CHECK(f.server->internal_errors() == errors_before + 1);
  CHECK(must(http_get(f.port, "/healthz")).status == 200);
  throwing.mode = 0;
  CHECK(must(http_get(f.port, "/metrics")).status == 200);
}

TEST_CASE("server: an empty Collect() is a 500, not an empty scrape", "[http][server]") {
  ThrowingCollectable empty;
  empty.mode = 3;
  Fixture f({}, &empty);
  const HttpResponse r = must(http_get(f.port, "/metrics"));
  CHECK(r.status == 500);
  CHECK(f.server->internal_errors() == 1);
  empty.mode = 0;
  CHECK(must(http_get(f.port, "/metrics")).status == 200);
}

// Wiring check with the real exporter.
TEST_CASE("server: /metrics serves the real LeakCollectable over the hostile report",
          "[http][server][wiring]") {
  lw::exporter::ReportBoard board;
  board.publish(std::make_shared<const lw::analysis::Report>(lw::testing::sample_report()));
  const lw::exporter::LeakCollectable collectable(board);
  auto server = HttpServer::start({}, board, collectable, [] { return Health{true, ""}; });
  REQUIRE(server.has_value());
  const HttpResponse r = must(http_get((*server)->ports().at(0), "/metrics"));
  CHECK(r.status == 200);
  CHECK(r.body.find("leakwatch_build_info") != std::string::npos);
  CHECK(r.body.find("pid=\"4242\"") != std::string::npos);
  CHECK(r.body.find("<script>alert(1)</script>\\\"&'") != std::string::npos);  // label-escaped
}

TEST_CASE("server: /metrics is rendered once per published report", "[http][server]") {
  CountingCollectable counting;
  Fixture f({}, &counting);
  const HttpResponse first = must(http_get(f.port, "/metrics"));
  const HttpResponse second = must(http_get(f.port, "/metrics"));
  CHECK(counting.calls.load() == 1);
  CHECK(second.body == first.body);
  CHECK(first.body.find("leakwatch_test_collects 1") != std::string::npos);
  // A new report: rendered again, and served from then on.
  f.board.publish(std::make_shared<const lw::analysis::Report>(lw::testing::sample_report()));
  const HttpResponse third = must(http_get(f.port, "/metrics"));
  CHECK(counting.calls.load() == 2);
  CHECK(third.body.find("leakwatch_test_collects 2") != std::string::npos);
  CHECK(must(http_get(f.port, "/metrics")).body == third.body);
  CHECK(counting.calls.load() == 2);
}

TEST_CASE("server: the cached /metrics does not keep an older report alive", "[http][server]") {
  CountingCollectable counting;
  Fixture f({}, &counting);
  auto first = std::make_shared<const lw::analysis::Report>(lw::testing::sample_report());
  const std::weak_ptr<const lw::analysis::Report> first_alive = first;
  f.board.publish(std::move(first));
  (void)must(http_get(f.port, "/metrics"));  // rendered from `first`, and cached
  CHECK(counting.calls.load() == 1);
  f.board.publish(std::make_shared<const lw::analysis::Report>(lw::testing::sample_report()));
  // Only the board held it: the cached rendering keeps no copy of the process reports.
  CHECK(first_alive.expired());
  // The next scrape renders the new report, never taking it for the expired one.
  (void)must(http_get(f.port, "/metrics"));
  CHECK(counting.calls.load() == 2);
}
