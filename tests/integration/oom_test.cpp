// Real OOM kills in a real v1/v2 memory cgroup, seen by the real daemon: counted, attributed to
// the victim from the kernel log, explained from the daemon's history, and forecast beforehand.

#include <cmath>
#include <csignal>
#include <string>

#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "support/daemon.h"
#include "support/memory_cgroup.h"
#include "support/skip.h"

using namespace lw::testing;
using namespace std::chrono_literals;

TEST_CASE("oom: a real OOM kill is counted, attributed and explained, and the forecast holds",
          "[integration][oom]") {
  TestCgroup cg("lw-test-oom-" + std::to_string(::getpid()));
  if (!cg.ok()) {
    LW_SKIP(
        "no writable memory cgroup controller on this host (need root and v1 memory or v2 with "
        "the memory controller)");
  }
  constexpr std::uint64_t kLimit = 96ULL << 20;
  constexpr double kRate = 1.5 * (1 << 20);  // bytes/s: death after ~60 s
  cg.set_limit(kLimit);
  Daemon d(fast_config_yaml("export:\n  include:\n    - comm: \"lw-oom-.*\"\n"));
  REQUIRE(d.wait_scans(1, 20s));

  Child victim = Child::spawn(cg.wrap({workload_path(), "--mode", "oom", "--name", "lw-oom-victim",
                                       "--rate", std::to_string(kRate), "--tick", "20"}));
  REQUIRE(victim.wait_for_line("ready", 30s));
  const auto born = std::chrono::steady_clock::now();
  const std::string pid = std::to_string(victim.pid());

  // Forecast at mid-life (~30 s in): when will it hit the cgroup limit?
  std::optional<double> forecast;
  std::chrono::steady_clock::time_point forecast_at;
  REQUIRE(wait_until(
      [&] {
        if (std::chrono::steady_clock::now() - born < 28s) {
          return false;
        }
        forecast = find_sample(d.scrape(), "leakwatch_process_seconds_to_limit",
                               {{"pid", pid}, {"resource", "memory"}, {"limit", "cgroup"}});
        forecast_at = std::chrono::steady_clock::now();
        return forecast.has_value();
      },
      60s, 200ms));

  // Death: the kernel kills it with SIGKILL.
  REQUIRE(wait_until([&] { return victim.poll_exit().has_value(); }, 120s, 20ms));
  const auto died = std::chrono::steady_clock::now();
  REQUIRE(WIFSIGNALED(*victim.poll_exit()));
  CHECK(WTERMSIG(*victim.poll_exit()) == SIGKILL);
  const double actual = std::chrono::duration<double>(died - forecast_at).count();
  const double error = (*forecast - actual) / actual;
  WARN("forecast at mid-life: " << *forecast << " s to the limit; actual: " << actual
                                << " s; error " << error * 100 << " %");
  CHECK(std::abs(error) <= 0.25);

  // The kill appears within a scan or two, attributed to the victim with its history.
  std::string body;
  REQUIRE(wait_until(
      [&] {
        const auto b = d.get("/api/v1/oom-kills");
        body = b.value_or("");
        return body.find("\"pid\":" + pid) != std::string::npos ||
               body.find("\"pid\": " + pid) != std::string::npos;
      },
      10s, 100ms));
  const auto seen = std::chrono::steady_clock::now();
  WARN("OOM kill reported " << std::chrono::duration<double>(seen - died).count()
                            << " s after the death");
  CHECK(body.find("lw-oom-victim") != std::string::npos);
  CHECK(body.find(cg.rel()) != std::string::npos);
  CHECK(body.find("\"history\"") != std::string::npos);
  CHECK(body.find("\"source\":\"kmsg\"") != std::string::npos);
  const auto m = d.scrape();
  CHECK(find_sample(m, "leakwatch_oom_kills_total", {{"group", "lw-oom-victim"}}) == 1.0);
  CHECK(find_sample(m, "leakwatch_cgroup_oom_kills_total", {{"cgroup", cg.rel()}}) == 1.0);
  CHECK(find_sample(m, "leakwatch_system_oom_kills_total").value_or(0) >= 1.0);
  // It had been flagged as a leak suspect before it died.
  CHECK(find_sample(m, "leakwatch_oom_kills_flagged_total").value_or(0) >= 1.0);
  d.process().drain();
  CHECK(d.process().output().find("OOM kill: pid " + pid) != std::string::npos);
}

TEST_CASE("oom: a cgroup created, used, emptied and removed mid-scan leaves no errors",
          "[integration][oom]") {
  TestCgroup cg("lw-test-churn-" + std::to_string(::getpid()));
  if (!cg.ok()) {
    LW_SKIP("no writable memory cgroup controller on this host");
  }
  Daemon d(fast_config_yaml());
  REQUIRE(d.wait_scans(1, 20s));
  {
    Child c = Child::spawn(cg.wrap({workload_path(), "--mode", "idle", "--base", "8"}));
    REQUIRE(c.wait_for_line("ready", 30s));
    REQUIRE(wait_until(
        [&] {
          return find_sample(d.scrape(), "leakwatch_cgroup_memory_usage_bytes",
                             {{"cgroup", cg.rel()}})
              .has_value();
        },
        10s));
    CHECK(
        find_sample(d.scrape(), "leakwatch_cgroup_memory_working_set_bytes", {{"cgroup", cg.rel()}})
            .value_or(0) >= 8.0 * (1 << 20));
    c.stop(SIGTERM, 5s);
  }
  REQUIRE(wait_until([&] { return ::rmdir(cg.path().c_str()) == 0; }, 10s));
  CHECK(wait_until(
      [&] {
        return !find_sample(d.scrape(), "leakwatch_cgroup_memory_usage_bytes",
                            {{"cgroup", cg.rel()}})
                    .has_value();
      },
      10s));
  d.process().drain();
  CHECK(d.process().output().find(" error ") == std::string::npos);
  CHECK(d.process().output().find(" warning ") == std::string::npos);
}
