// Who may use the HTTP server: basic auth on every route but /healthz, bcrypt-only hashes, the
// allow list, and update_access swapping both at runtime.

#include <string>
#include <string_view>

#include <catch2/catch.hpp>

#include "export/report_board.h"
#include "http/auth_fixture.h"
#include "http/http_client.h"
#include "http/server.h"
#include "http/server_fixture.h"
#include "support/base64.h"

using lw::http::Health;
using lw::http::HttpServer;
using lw::http::ServerOptions;
using lw::testing::Fixture;
using lw::testing::http_get;
using lw::testing::HttpResponse;
using lw::testing::must;
using lw::testing::StaticCollectable;

namespace {

std::string basic(std::string_view user, std::string_view password) {
  return lw::testing::basic_authorization(user, password);
}

}  // namespace

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
