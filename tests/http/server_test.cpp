// The HTTP server's routes: HEAD, /healthz, the status page, the JSON API, and 404/405 for
// everything else.

#include <memory>
#include <string>

#include <catch2/catch.hpp>

#include "analysis/report.h"
#include "http/http_client.h"
#include "http/json_check.h"
#include "http/report_fixture.h"
#include "http/server_fixture.h"

using lw::testing::Fixture;
using lw::testing::http_get;
using lw::testing::http_request;
using lw::testing::HttpResponse;
using lw::testing::must;
namespace json = lw::testing::json;

namespace {

const json::Value* find_pid(const json::Value& array, double pid) {
  for (const json::Value& p : array.array) {
    if (p.get("pid") != nullptr && p.get("pid")->number == pid) {
      return &p;
    }
  }
  return nullptr;
}

}  // namespace

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
