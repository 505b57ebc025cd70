#pragma once

// A running HttpServer on an ephemeral loopback port over the sample report, for the server tests.

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <prometheus/client_metric.h>
#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>

#include <catch2/catch.hpp>

#include "analysis/report.h"
#include "export/report_board.h"
#include "http/http_client.h"
#include "http/report_fixture.h"
#include "http/server.h"
#include "http/test_gauge.h"

namespace lw::testing {

// 50 gauge series: enough text (> 256 bytes) for the server to gzip it.
class StaticCollectable final : public prometheus::Collectable {
 public:
  std::vector<prometheus::MetricFamily> Collect() const override {
    prometheus::MetricFamily family = test_gauge_family();
    for (int i = 0; i < 50; ++i) {
      prometheus::ClientMetric m;
      std::string comm = "c";  // appended: `"c" + std::to_string(i)` trips GCC 12's -O3 -Wrestrict
      comm += std::to_string(i);
      m.label = {{"comm", comm}};
      m.gauge.value = 42 + i;
      family.metric.push_back(m);
    }
    return {family};
  }
};

struct Fixture {
  exporter::ReportBoard board;
  StaticCollectable static_metrics;
  std::atomic<bool> healthy{true};
  std::unique_ptr<http::HttpServer> server;
  int port = 0;

  explicit Fixture(const http::ServerOptions& options = {},
                   const prometheus::Collectable* metrics = nullptr) {
    board.publish(std::make_shared<const analysis::Report>(sample_report()));
    auto started = http::HttpServer::start(
        options, board, metrics != nullptr ? *metrics : static_metrics, [this] {
          return healthy.load() ? http::Health{true, "last scan 2 s ago"}
                                : http::Health{false, "last scan 45 s ago (interval 10 s)"};
        });
    if (!started) {
      FAIL("start failed: " << started.error().detail);
    }
    server = std::move(*started);
    REQUIRE(server->ports().size() == 1);
    port = server->ports()[0];
    REQUIRE(port > 0);
  }
};

inline HttpResponse must(const std::optional<HttpResponse>& r) {
  REQUIRE(r.has_value());
  return *r;
}

}  // namespace lw::testing
