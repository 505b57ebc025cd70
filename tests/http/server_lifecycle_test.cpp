// The HTTP server's life: start() errors for a port in use or a bad address, stop(), and serving
// on through oversized requests, idle connections and concurrent scrapes.

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "analysis/report.h"
#include "base/fd.h"
#include "export/report_board.h"
#include "http/http_client.h"
#include "http/report_fixture.h"
#include "http/server.h"
#include "http/server_fixture.h"

using lw::http::Health;
using lw::http::HttpServer;
using lw::http::ServerOptions;
using lw::testing::Fixture;
using lw::testing::http_get;
using lw::testing::http_raw;
using lw::testing::must;
using lw::testing::StaticCollectable;
using namespace std::chrono_literals;

TEST_CASE("server: an oversized request is refused and the server keeps serving",
          "[http][server]") {
  Fixture f;
  const std::string raw = "GET /metrics HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(20000, 'a') +
                          "\r\nConnection: close\r\n\r\n";
  const auto r = http_raw(f.port, raw);
  // The server answers 4xx (or drops the connection); it never serves such a request.
  if (r.has_value()) {
    CHECK(r->status >= 400);
    CHECK(r->status < 500);
  }
  CHECK(must(http_get(f.port, "/healthz")).status == 200);
}

TEST_CASE("server: idle connections (slow-loris) do not block a scrape for long",
          "[http][server]") {
  ServerOptions options;
  options.threads = 4;
  options.request_timeout = 1000ms;
  Fixture f(options);
  std::vector<lw::UniqueFd> idle;
  for (int i = 0; i < 8; ++i) {
    idle.push_back(lw::testing::connect_loopback(f.port));
    REQUIRE(idle.back().valid());
  }
  const auto t0 = std::chrono::steady_clock::now();
  const auto r = http_get(f.port, "/healthz");
  const auto elapsed = std::chrono::steady_clock::now() - t0;
  REQUIRE(r.has_value());
  CHECK(r->status == 200);
  INFO("served after " << std::chrono::duration<double>(elapsed).count() << " s");
  CHECK(elapsed < options.request_timeout + 2s);
}

TEST_CASE("server: a port in use is an Error, not an exception", "[http][server]") {
  Fixture first;
  lw::exporter::ReportBoard board;
  StaticCollectable metrics;
  ServerOptions options;
  options.listen = "127.0.0.1:" + std::to_string(first.port);
  const auto second = HttpServer::start(options, board, metrics, [] { return Health{true, ""}; });
  REQUIRE_FALSE(second.has_value());
  CHECK(second.error().detail.starts_with("cannot listen on " + options.listen +
                                          ": address in use or invalid"));
  CHECK(must(http_get(first.port, "/healthz")).status == 200);  // the first one is unharmed
}

TEST_CASE("server: a bad listen address or allow entry is an Error", "[http][server]") {
  lw::exporter::ReportBoard board;
  StaticCollectable metrics;
  ServerOptions options;
  SECTION("listen") {
    options.listen = GENERATE(as<std::string>{}, "[::1]:0", "localhost:9847", "127.0.0.1",
                              "127.0.0.1:70000", "127.0.0.1:0s", "127.0.0.1:0,127.0.0.1:0",
                              "256.0.0.1:0", "127.0.0.01:0", "", "127.0.0.1:-1");
  }
  SECTION("allow") {
    options.allow = {GENERATE(as<std::string>{}, "10.0.0.0/33", "10.0.0.0/", "fe80::/10",
                              "-10.0.0.0/8", "10.0.0/8", "10.0.0.0/8,+0.0.0.0/0")};
  }
  INFO(options.listen);
  const auto s = HttpServer::start(options, board, metrics, [] { return Health{true, ""}; });
  REQUIRE_FALSE(s.has_value());
  CHECK_FALSE(s.error().detail.empty());
}

TEST_CASE("server: concurrent scrapes while reports are republished", "[http][server]") {
  Fixture f;
  std::atomic<int> ok{0};
  std::vector<std::thread> clients;
  for (int t = 0; t < 4; ++t) {
    clients.emplace_back([&, t] {
      const char* paths[] = {"/metrics", "/", "/api/v1/processes", "/api/v1/processes/4242"};
      for (int i = 0; i < 10; ++i) {
        const auto r = http_get(f.port, paths[(t + i) % 4]);
        if (r && r->status == 200) {
          ok.fetch_add(1);
        }
      }
    });
  }
  for (int i = 0; i < 50; ++i) {
    f.board.publish(std::make_shared<const lw::analysis::Report>(lw::testing::sample_report()));
  }
  for (std::thread& c : clients) {
    c.join();
  }
  CHECK(ok.load() == 40);
}

TEST_CASE("server: stop() closes the port and is idempotent", "[http][server]") {
  Fixture f;
  CHECK(must(http_get(f.port, "/healthz")).status == 200);
  f.server->stop();
  CHECK(f.server->ports().empty());
  CHECK_FALSE(http_get(f.port, "/healthz").has_value());
  f.server->stop();
}
