#include "http/server.h"

#include <atomic>
#include <chrono>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <prometheus/client_metric.h>
#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>
#include <zlib.h>

#include <catch2/catch.hpp>

#include "export/leak_collectable.h"
#include "export/report_board.h"
#include "http/auth_fixture.h"
#include "http/gunzip.h"
#include "http/http_client.h"
#include "http/json_check.h"
#include "http/report_fixture.h"
#include "support/base64.h"

using lw::http::Health;
using lw::http::HttpServer;
using lw::http::ServerOptions;
using lw::testing::http_get;
using lw::testing::http_raw;
using lw::testing::http_request;
using lw::testing::HttpResponse;
using namespace std::chrono_literals;
namespace json = lw::testing::json;

using lw::testing::gunzip;

namespace {

// 50 gauge series: enough text (> 256 bytes) for the server to gzip it.
class StaticCollectable final : public prometheus::Collectable {
 public:
  std::vector<prometheus::MetricFamily> Collect() const override {
    prometheus::MetricFamily family;
    family.name = "leakwatch_test_metric";
    family.help = "A gauge for the HTTP tests.";
    family.type = prometheus::MetricType::Gauge;
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

struct Fixture {
  lw::exporter::ReportBoard board;
  StaticCollectable static_metrics;
  std::atomic<bool> healthy{true};
  std::unique_ptr<HttpServer> server;
  int port = 0;

  explicit Fixture(const ServerOptions& options = {},
                   const prometheus::Collectable* metrics = nullptr) {
    board.publish(std::make_shared<const lw::analysis::Report>(lw::testing::sample_report()));
    auto started =
        HttpServer::start(options, board, metrics != nullptr ? *metrics : static_metrics, [this] {
          return healthy.load() ? Health{true, "last scan 2 s ago"}
                                : Health{false, "last scan 45 s ago (interval 10 s)"};
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

HttpResponse must(const std::optional<HttpResponse>& r) {
  REQUIRE(r.has_value());
  return *r;
}

std::string basic(std::string_view user, std::string_view password) {
  return lw::testing::basic_authorization(user, password);
}

const json::Value* find_pid(const json::Value& array, double pid) {
  for (const json::Value& p : array.array) {
    if (p.get("pid") != nullptr && p.get("pid")->number == pid) {
      return &p;
    }
  }
  return nullptr;
}

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

TEST_CASE("server: HEAD answers headers without a body", "[http][server]") {
  Fixture f;
  const HttpResponse r = must(http_request(f.port, "HEAD", "/metrics"));
  CHECK(r.status == 200);
  CHECK(r.body.empty());
  const auto length = r.header("Content-Length");
  REQUIRE(length.has_value());
  CHECK(*length != "0");
}

TEST_CASE("server: /healthz follows the health callback", "[http][server]") {
  Fixture f;
  HttpResponse r = must(http_get(f.port, "/healthz"));
  CHECK(r.status == 200);
  CHECK(r.body == "ok\n");
  f.healthy = false;
  r = must(http_get(f.port, "/healthz"));
  CHECK(r.status == 503);
  CHECK(r.body == "last scan 45 s ago (interval 10 s)\n");
  f.healthy = true;
  CHECK(must(http_get(f.port, "/healthz")).status == 200);
}

TEST_CASE("server: / is the status page with the suspect and every name escaped",
          "[http][server]") {
  Fixture f;
  const HttpResponse r = must(http_get(f.port, "/"));
  CHECK(r.status == 200);
  CHECK(r.header("Content-Type") == "text/html; charset=utf-8");
  const auto csp = r.header("Content-Security-Policy");
  REQUIRE(csp.has_value());
  CHECK(csp->starts_with("default-src 'none'"));
  CHECK(r.body.find("<a href=\"/process/4242\">4242</a>") != std::string::npos);
  CHECK(r.body.find("&lt;script&gt;alert(1)&lt;/script&gt;&quot;&amp;&#39;") != std::string::npos);
  CHECK(r.body.find("<script") == std::string::npos);
  CHECK(r.body.find("bad\xEF\xBF\xBD\xEF\xBF\xBD name") != std::string::npos);
}

TEST_CASE("server: before the first scan the page says it is waiting", "[http][server]") {
  Fixture f;
  f.board.publish(std::make_shared<const lw::analysis::Report>());
  const HttpResponse r = must(http_get(f.port, "/"));
  CHECK(r.status == 200);
  CHECK(r.body.find("Waiting for the first scan") != std::string::npos);
  const auto processes = json::parse(must(http_get(f.port, "/api/v1/processes")).body);
  REQUIRE(processes.has_value());
  CHECK(processes->array.empty());
}

TEST_CASE("server: /api/v1/processes lists every process as valid JSON", "[http][server]") {
  Fixture f;
  const HttpResponse r = must(http_get(f.port, "/api/v1/processes"));
  CHECK(r.status == 200);
  CHECK(r.header("Content-Type") == "application/json");
  const auto doc = json::parse(r.body);
  REQUIRE(doc.has_value());
  REQUIRE(doc->type == json::Value::Type::kArray);
  CHECK(doc->array.size() == 4);
  const json::Value* leaky = find_pid(*doc, 4242);
  REQUIRE(leaky != nullptr);
  CHECK(leaky->get("comm")->string == lw::testing::kHostileComm);
  CHECK(leaky->get("start_ticks")->number == 987654);
  CHECK(leaky->get("unit")->string == "leaky.service");
  CHECK(leaky->get("tracked")->boolean);
  CHECK(leaky->get("open_fds")->number == 12);
  CHECK(leaky->get("memory")->get("pattern")->string == "leak");
  CHECK(leaky->get("memory")->get("suspect")->boolean);
  CHECK(leaky->get("memory")->get("seconds_to_limit")->number == 3600);
  CHECK(leaky->get("memory")->get("limit")->string == "cgroup");
  CHECK(leaky->get("history") == nullptr);  // only the per-pid document has history
  const json::Value* quiet = find_pid(*doc, 100);
  REQUIRE(quiet != nullptr);
  CHECK(quiet->get("rss_bytes")->is_null());  // absent, not 0
  CHECK(quiet->get("open_fds")->is_null());
  const json::Value* weird = find_pid(*doc, 777);
  REQUIRE(weird != nullptr);
  CHECK(weird->get("comm")->string == lw::testing::invalid_utf8_comm());
}

TEST_CASE("server: /api/v1/processes/{pid} returns one live process with history",
          "[http][server]") {
  Fixture f;
  const HttpResponse r = must(http_get(f.port, "/api/v1/processes/4242"));
  CHECK(r.status == 200);
  const auto doc = json::parse(r.body);
  REQUIRE(doc.has_value());
  CHECK(doc->get("pid")->number == 4242);
  const json::Value* history = doc->get("history");
  REQUIRE(history != nullptr);
  REQUIRE(history->array.size() == 30);
  REQUIRE(history->array[0].array.size() == 2);
  CHECK(history->array[29].array[0].number == lw::testing::kGeneratedAt);

  const std::string missing =
      GENERATE(as<std::string>{}, "/api/v1/processes/999999", "/api/v1/processes/abc",
               "/api/v1/processes/555", "/api/v1/processes/-1", "/api/v1/processes/0",
               "/api/v1/processes/", "/api/v1/processes/4242/x", "/api/v1/processes/4242abc",
               "/api/v1/processes/99999999999999999999");
  INFO(missing);
  const HttpResponse nf = must(http_get(f.port, missing));
  CHECK(nf.status == 404);
  CHECK(nf.header("Content-Type") == "application/json");
  const auto err = json::parse(nf.body);
  REQUIRE(err.has_value());
  CHECK(err->get("error") != nullptr);
}

TEST_CASE("server: /api/v1/cgroups and /api/v1/oom-kills are valid JSON", "[http][server]") {
  Fixture f;
  const auto cgroups = json::parse(must(http_get(f.port, "/api/v1/cgroups")).body);
  REQUIRE(cgroups.has_value());
  REQUIRE(cgroups->array.size() == 1);
  const json::Value& cg = cgroups->array[0];
  CHECK(cg.get("path")->string == "/system.slice/leaky.service");
  CHECK(cg.get("working_set_bytes")->number == 750.0 * lw::testing::kMiB);
  CHECK(cg.get("effective_limit_bytes")->number == 1024.0 * lw::testing::kMiB);
  CHECK(cg.get("high_bytes")->is_null());
  CHECK(cg.get("history")->array.size() == 20);

  const HttpResponse r = must(http_get(f.port, "/api/v1/oom-kills"));
  CHECK(r.header("Content-Type") == "application/json");
  const auto ooms = json::parse(r.body);
  REQUIRE(ooms.has_value());
  REQUIRE(ooms->array.size() == 1);
  const json::Value& oom = ooms->array[0];
  CHECK(oom.get("comm")->string == "oom<victim>");
  CHECK(oom.get("was_suspect")->boolean);
  CHECK(oom.get("flagged_seconds_before")->number == 600);
  CHECK(oom.get("history")->array.size() == 12);
}

TEST_CASE("server: unknown paths are 404, with no file serving", "[http][server]") {
  Fixture f;
  const std::string path =
      GENERATE(as<std::string>{}, "/nope", "/../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd",
               "/metrics/extra", "/METRICS", "/metricsX", "/index.html", "/api/v1", "/api/v1/nope",
               "/healthz/x");
  INFO(path);
  const HttpResponse r = must(http_get(f.port, path));
  CHECK(r.status == 404);
  CHECK(r.body.size() < 100);
  CHECK(r.body.find("root:") == std::string::npos);
}

TEST_CASE("server: methods other than GET and HEAD are 405", "[http][server]") {
  Fixture f;
  const std::string method =
      GENERATE(as<std::string>{}, "POST", "PUT", "DELETE", "PATCH", "OPTIONS");
  const std::string path =
      GENERATE(as<std::string>{}, "/metrics", "/", "/api/v1/processes", "/healthz");
  INFO(method << " " << path);
  const HttpResponse r = must(http_request(f.port, method, path, {{"Content-Length", "0"}}));
  CHECK(r.status == 405);
  CHECK(r.header("Allow") == "GET, HEAD");
}

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

TEST_CASE("server: basic auth protects every route but /healthz", "[http][server][auth]") {
  ServerOptions options;
  options.basic_auth_users = {{"alice", lw::testing::kAliceHash}};
  Fixture f(options);

  const HttpResponse none = must(http_get(f.port, "/metrics"));
  CHECK(none.status == 401);
  CHECK(none.header("WWW-Authenticate") == "Basic realm=\"leakwatch\", charset=\"UTF-8\"");
  CHECK(none.header("Connection") == "close");
  CHECK(none.body.find("leakwatch_test_metric") == std::string::npos);

  const std::string path =
      GENERATE(as<std::string>{}, "/metrics", "/", "/api/v1/processes", "/api/v1/processes/4242",
               "/api/v1/cgroups", "/api/v1/oom-kills", "/nope");
  INFO(path);
  CHECK(must(http_get(f.port, path)).status == 401);
  CHECK(must(http_get(f.port, path, {{"Authorization", basic("alice", "wrong")}})).status == 401);
  CHECK(must(http_get(f.port, path, {{"Authorization", basic("mallory", "s3cret")}})).status ==
        401);
  CHECK(must(http_get(f.port, path, {{"Authorization", "Bearer s3cret"}})).status == 401);
  const int expected = path == "/nope" ? 404 : 200;
  CHECK(must(http_get(f.port, path, {{"Authorization", basic("alice", "s3cret")}})).status ==
        expected);
  // Probes need no credentials.
  CHECK(must(http_get(f.port, "/healthz")).status == 200);
}

TEST_CASE("server: a hash that is not bcrypt fails start()", "[http][server][auth]") {
  lw::exporter::ReportBoard board;
  StaticCollectable metrics;
  ServerOptions options;
  options.basic_auth_users = {{"alice", "not-a-hash"}};
  const auto s = HttpServer::start(options, board, metrics, [] { return Health{true, ""}; });
  REQUIRE_FALSE(s.has_value());
  CHECK(s.error().detail.find("alice") != std::string::npos);
  CHECK(s.error().detail.find("not a bcrypt hash") != std::string::npos);
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

TEST_CASE("server: the allow list drops peers outside it", "[http][server]") {
  SECTION("loopback not allowed") {
    ServerOptions options;
    options.allow = {"10.0.0.0/8", "192.168.1.7"};
    Fixture f(options);
    CHECK_FALSE(http_get(f.port, "/healthz").has_value());
  }
  SECTION("loopback allowed") {
    ServerOptions options;
    options.allow = {"10.0.0.0/8", "127.0.0.0/8"};
    Fixture f(options);
    CHECK(must(http_get(f.port, "/healthz")).status == 200);
  }
}

TEST_CASE("server: update_access swaps the users and the allow list for every thread",
          "[http][server][auth]") {
  ServerOptions options;
  options.basic_auth_users = {{"alice", lw::testing::kAliceHash}};
  Fixture f(options);
  const auto status = [&](std::string_view user, std::string_view password) {
    return must(http_get(f.port, "/metrics", {{"Authorization", basic(user, password)}})).status;
  };
  CHECK(status("alice", lw::testing::kAlicePassword) == 200);

  // Rotated: alice's new hash is bob's; her old password is refused at once (not cached).
  options.basic_auth_users = {{"alice", lw::testing::kBobHash}};
  REQUIRE(f.server->update_access(options));
  CHECK(status("alice", lw::testing::kAlicePassword) == 401);
  CHECK(status("alice", lw::testing::kBobPassword) == 200);

  // A bad entry changes nothing: the error comes back and the running rules stay.
  ServerOptions bad = options;
  bad.basic_auth_users = {{"alice", "not-a-hash"}};
  CHECK_FALSE(f.server->update_access(bad));
  bad = options;
  bad.allow = {"10.0.0.0/33"};
  CHECK_FALSE(f.server->update_access(bad));
  CHECK(status("alice", lw::testing::kBobPassword) == 200);

  // The allow list: loopback dropped, then allowed again; no users: no authentication.
  options.allow = {"10.0.0.0/8"};
  REQUIRE(f.server->update_access(options));
  CHECK_FALSE(http_get(f.port, "/healthz").has_value());
  options.allow = {};
  options.basic_auth_users = {};
  REQUIRE(f.server->update_access(options));
  CHECK(must(http_get(f.port, "/metrics")).status == 200);
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

TEST_CASE("server: stop() closes the port and is idempotent", "[http][server]") {
  Fixture f;
  CHECK(must(http_get(f.port, "/healthz")).status == 200);
  f.server->stop();
  CHECK(f.server->ports().empty());
  CHECK_FALSE(http_get(f.port, "/healthz").has_value());
  f.server->stop();
}

namespace {
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
