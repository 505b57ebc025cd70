// Crash loops seen by the real daemon at 1/60 time (crash_loop_restart_within 1s): a leaker
// OOM-killed under a memory cgroup limit and restarted each time (as systemd's Restart=always
// does) is flagged as a crash loop; a cron-like job that grows and exits is not.

#include <chrono>
#include <csignal>
#include <optional>
#include <string>
#include <vector>

#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "http/json_check.h"
#include "support/daemon.h"
#include "support/memory_cgroup.h"
#include "support/skip.h"

using namespace lw::testing;
using namespace std::chrono_literals;

namespace {

struct Death {
  double pid = 0;
  std::string cause;
  std::string pattern;
  double peak = 0;
};

struct GroupView {
  bool crash_loop = false;
  std::vector<Death> deaths;
};

// The group `name` from /api/v1/groups; nullopt while the daemon does not list it.
std::optional<GroupView> group_of(Daemon& d, const std::string& name) {
  const auto body = d.get("/api/v1/groups");
  const auto doc = body ? json::parse(*body) : std::nullopt;
  if (!doc) {
    return std::nullopt;
  }
  for (const json::Value& g : doc->array) {
    const json::Value* n = g.get("name");
    if (n == nullptr || n->string != name) {
      continue;
    }
    GroupView view;
    view.crash_loop = g.get("crash_loop") != nullptr && g.get("crash_loop")->boolean;
    if (const json::Value* deaths = g.get("deaths")) {
      for (const json::Value& e : deaths->array) {
        const json::Value* peak = e.get("peak_private_bytes");
        view.deaths.push_back({e.get("pid")->number, e.get("cause")->string,
                               e.get("pattern")->string,
                               peak != nullptr && !peak->is_null() ? peak->number : 0});
      }
    }
    return view;
  }
  return std::nullopt;
}

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

}  // namespace

TEST_CASE("crash loop: a leaker OOM-killed and restarted under a cgroup limit is flagged",
          "[integration][crash_loop]") {
  TestCgroup cg("lw-test-crashloop-" + std::to_string(::getpid()));
  if (!cg.ok()) {
    LW_SKIP(
        "no writable memory cgroup controller on this host (need root and v1 memory or v2 with "
        "the memory controller)");
  }
  // 3 MiB/s into a 40 MiB limit: each instance lives ~12 s (12 minutes at 1/60).
  cg.set_limit(40ULL << 20);
  const std::string group = "lw-crashloop";
  Daemon d(fast_config_yaml());
  REQUIRE(d.wait_scans(1, 20s));
  const auto begin = std::chrono::steady_clock::now();

  // Restart=always: each time the kernel kills it, start the next instance at once.
  std::vector<std::string> pids;
  std::optional<GroupView> g;
  bool flagged = false;
  for (int life = 0; life < 6 && !flagged; ++life) {
    Child leaker = Child::spawn(cg.wrap({workload_path(), "--mode", "oom", "--name", group,
                                         "--rate", std::to_string(3 << 20), "--tick", "20"}));
    REQUIRE(leaker.wait_for_line("ready", 30s));
    pids.push_back(std::to_string(leaker.pid()));
    REQUIRE(wait_until([&] { return leaker.poll_exit().has_value(); }, 60s, 20ms));
    REQUIRE(WIFSIGNALED(*leaker.poll_exit()));
    CHECK(WTERMSIG(*leaker.poll_exit()) == SIGKILL);
    // From the third death on, the kill is settled within a scan or two (its kernel log line);
    // without one, only the next instance's start settles it, so restart after a bounded wait.
    flagged = pids.size() >= 3 && wait_until(
                                      [&] {
                                        g = group_of(d, group);
                                        return g && g->crash_loop;
                                      },
                                      3s, 100ms);
  }
  REQUIRE(flagged);
  WARN("flagged as a crash loop " << seconds_since(begin) << " s after the first start, after "
                                  << pids.size() << " deaths");
  CHECK(pids.size() <= 4);

  // The evidence: the deaths, their causes and peaks.
  REQUIRE(g->deaths.size() >= 3);
  std::size_t growing_kills = 0;
  for (const Death& death : g->deaths) {
    INFO("pid " << death.pid << " cause " << death.cause << " pattern " << death.pattern << " peak "
                << death.peak);
    CHECK((death.cause == "oom_kill" || death.cause == "restarted"));
    CHECK(death.peak >= 20.0 * (1 << 20));
    CHECK(death.peak <= 40.0 * (1 << 20));
    growing_kills += death.pattern == "growing" || death.pattern == "leak" ? 1 : 0;
  }
  CHECK(growing_kills >= 3);
  const auto m = d.scrape();
  CHECK(find_sample(m, "leakwatch_group_crash_loop", {{"group", group}}) == 1.0);
  CHECK(find_sample(m, "leakwatch_group_leak_suspects", {{"group", group}}).value_or(0) >= 1.0);
  const auto page = d.get("/");
  REQUIRE(page);
  CHECK(page->find("<h2>Crash loops</h2>") != std::string::npos);
  CHECK(page->find(pids.front()) != std::string::npos);
}

TEST_CASE("crash loop: a cron-like job that grows and exits is not flagged",
          "[integration][crash_loop]") {
  const std::string group = "lw-cronjob";
  Daemon d(fast_config_yaml());
  REQUIRE(d.wait_scans(1, 20s));
  const auto scans = [&] { return find_sample(d.scrape(), "leakwatch_scans_total").value_or(0); };

  // Every run grows 2 MiB/s for 5 s (5 minutes at 1/60) and exits normally; the next starts
  // only after the daemon's restart window (1 s = 6 scans) has passed, as a cron schedule would.
  std::optional<GroupView> seen;
  bool ever_flagged = false;
  for (int run = 0; run < 6; ++run) {
    Child job = Child::spawn({workload_path(), "--mode", "leak", "--name", group, "--rate",
                              std::to_string(2 << 20), "--duration", "5", "--tick", "20"});
    REQUIRE(job.wait_for_line("ready", 30s));
    REQUIRE(wait_until(
        [&] {
          if (const auto g = group_of(d, group)) {
            seen = g;
            ever_flagged = ever_flagged || g->crash_loop;
          }
          return job.poll_exit().has_value();
        },
        30s, 100ms));
    REQUIRE(WIFEXITED(*job.poll_exit()));
    CHECK(WEXITSTATUS(*job.poll_exit()) == 0);
    const double gone_at = scans();
    REQUIRE(d.wait_scans(gone_at + 12, 20s));  // 2 s: beyond the restart window
  }
  CHECK_FALSE(ever_flagged);
  CHECK(find_sample(d.scrape(), "leakwatch_group_crash_loop", {{"group", group}}).value_or(0) ==
        0.0);
  // The daemon did see the runs die growing; what kept it from flagging them is that each one
  // exited and was not replaced within the restart window.
  REQUIRE(seen);
  std::string summary;
  for (const Death& death : seen->deaths) {
    summary += " " + death.cause + "/" + death.pattern;
  }
  WARN("deaths the daemon recorded (cause/pattern):" << summary);
  std::size_t growing_exits = 0;
  for (const Death& death : seen->deaths) {
    INFO("pid " << death.pid << " cause " << death.cause << " pattern " << death.pattern);
    CHECK(death.cause == "exited");
    growing_exits += death.pattern == "growing" || death.pattern == "leak" ? 1 : 0;
  }
  CHECK(seen->deaths.size() >= 3);
  CHECK(growing_exits >= 3);
}
