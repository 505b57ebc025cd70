// SIGHUP applies every key that can apply live, against the real daemon: a rotated basic-auth
// password (the old one refused at once), and a key that needs a restart (web.listen) is named in
// the log and makes leakwatch_config_last_reload_successful 0; the outcome is published at once.

#include <csignal>
#include <optional>
#include <string>
#include <string_view>

#include <catch2/catch.hpp>

#include "http/auth_fixture.h"
#include "http/http_client.h"
#include "support/base64.h"
#include "support/daemon.h"

using namespace std::chrono_literals;
using lw::testing::base64;
using lw::testing::Daemon;
using lw::testing::fast_config_yaml;
using lw::testing::find_sample;
using lw::testing::wait_until;

namespace {

// The status of GET /metrics as user "prom" with `password`; 0 when the request failed.
int metrics_status(int port, const std::string& password) {
  const auto r = lw::testing::http_get(port, "/metrics",
                                       {{"Authorization", "Basic " + base64("prom:" + password)}});
  return r ? r->status : 0;
}

std::optional<double> reload_gauge(int port, const std::string& password) {
  const auto r = lw::testing::http_get(port, "/metrics",
                                       {{"Authorization", "Basic " + base64("prom:" + password)}});
  if (!r || r->status != 200) {
    return std::nullopt;
  }
  return find_sample(lw::testing::parse_exposition(r->body),
                     "leakwatch_config_last_reload_successful");
}

std::string auth_yaml(const char* hash, const std::string& listen = "127.0.0.1:0") {
  std::string yaml = fast_config_yaml();
  const std::string old_listen = "  listen: \"127.0.0.1:0\"\n";
  yaml.replace(yaml.find(old_listen), old_listen.size(), "  listen: \"" + listen + "\"\n");
  return yaml + "  basic_auth_users:\n    prom: \"" + hash + "\"\n";
}

}  // namespace

TEST_CASE("daemon: SIGHUP rotates the basic-auth password and names restart-only keys",
          "[integration]") {
  const std::string a = lw::testing::kAlicePassword;
  const std::string b = lw::testing::kBobPassword;
  Daemon d(auth_yaml(lw::testing::kAliceHash));
  const std::string state = "paths:\n  state_dir: " + (d.dir() / "state").string() + "\n";
  REQUIRE(wait_until([&] { return metrics_status(d.port(), a) == 200; }, 20s));
  CHECK(metrics_status(d.port(), b) == 401);

  // Rotate: password B replaces A for the same user.
  d.dir().file("leakwatch.yaml", auth_yaml(lw::testing::kBobHash) + state);
  ::kill(d.process().pid(), SIGHUP);
  REQUIRE(wait_until([&] { return metrics_status(d.port(), b) == 200; }, 10s));
  CHECK(metrics_status(d.port(), a) == 401);  // the old password is refused after the reload
  CHECK(wait_until([&] { return reload_gauge(d.port(), b) == 1.0; }, 10s));

  // web.listen needs a restart: the log names it, the gauge says 0, the old port still serves,
  // and the live keys of the same reload still apply (password A again).
  d.dir().file("leakwatch.yaml", auth_yaml(lw::testing::kAliceHash, "127.0.0.1:1") + state);
  ::kill(d.process().pid(), SIGHUP);
  CHECK(d.process().wait_for_line("web.listen", 10s).has_value());
  CHECK(wait_until([&] { return reload_gauge(d.port(), a) == 0.0; }, 10s));
  CHECK(metrics_status(d.port(), b) == 401);
}

TEST_CASE("daemon: a reload's outcome is on /metrics at once, not at the next scan",
          "[integration]") {
  // Scans 30 s apart (the windows at least twice that): the gauge may not wait for the next one.
  std::string yaml = fast_config_yaml();
  yaml.replace(yaml.find("interval: 166ms"), 15, "interval: 30s");
  yaml.replace(yaml.find("windows: [15s, 1m, 6m]"), 22, "windows: [1m, 3m, 6m]");
  Daemon d(yaml);
  REQUIRE(d.wait_scans(1, 20s));
  const auto scans = [&] { return find_sample(d.scrape(), "leakwatch_scans_total"); };
  const auto gauge = [&] {
    return find_sample(d.scrape(), "leakwatch_config_last_reload_successful");
  };
  const auto scans_before = scans();
  CHECK(gauge() == 1.0);

  d.dir().file("leakwatch.yaml", "scan:\n  interval: banana\n");
  ::kill(d.process().pid(), SIGHUP);
  CHECK(wait_until([&] { return gauge() == 0.0; }, 5s));

  d.dir().file("leakwatch.yaml", yaml);
  ::kill(d.process().pid(), SIGHUP);
  CHECK(wait_until([&] { return gauge() == 1.0; }, 5s));
  CHECK(scans() == scans_before);  // both outcomes were published without a scan
}
