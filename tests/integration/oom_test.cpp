// Real OOM kills in a real v1/v2 memory cgroup, seen by the real daemon: counted, attributed to
// the victim from the kernel log, explained from the daemon's history, and forecast beforehand.

#include <cmath>
#include <csignal>
#include <set>
#include <string>
#include <vector>

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "base/fd.h"
#include "base/text.h"
#include "support/daemon.h"
#include "support/fake_root.h"
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
    // A report published from a scan taken before the child touched its memory can show the
    // cgroup with less: wait for a scan after "ready".
    CHECK(wait_until(
        [&] {
          return find_sample(d.scrape(), "leakwatch_cgroup_memory_working_set_bytes",
                             {{"cgroup", cg.rel()}})
                     .value_or(0) >= 8.0 * (1 << 20);
        },
        10s));
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

namespace {

// The daemon's recent OOM events (GET /api/v1/oom-kills); empty when unreadable.
nlohmann::json oom_events(Daemon& d) {
  const auto body = d.get("/api/v1/oom-kills");
  if (!body) {
    return nlohmann::json::array();
  }
  auto parsed = nlohmann::json::parse(*body, nullptr, false);
  return parsed.is_array() ? parsed : nlohmann::json::array();
}

std::vector<nlohmann::json> events_in(const nlohmann::json& events, const std::string& cgroup) {
  std::vector<nlohmann::json> out;
  for (const auto& e : events) {
    if (e.value("cgroup", "") == cgroup) {
      out.push_back(e);
    }
  }
  return out;
}

}  // namespace

TEST_CASE("oom: several processes killed in one cgroup are counted exactly, once each",
          "[integration][oom]") {
  TestCgroup cg("lw-test-oom-multi-" + std::to_string(::getpid()));
  if (!cg.ok()) {
    LW_SKIP("no writable memory cgroup controller on this host");
  }
  const auto kills_before = cg.oom_kills();
  if (!kills_before) {
    LW_SKIP("the cgroup has no oom_kill counter (kernel older than 4.13)");
  }
  cg.set_limit(64ULL << 20);
  Daemon d(fast_config_yaml());
  REQUIRE(d.wait_scans(1, 20s));

  // Three growers share the limit: the kernel kills the largest, the others keep growing into
  // the freed room and are killed in turn, a few scans apart or within one.
  constexpr int kProcesses = 3;
  std::vector<Child> growers;
  for (int i = 0; i < kProcesses; ++i) {
    growers.push_back(
        Child::spawn(cg.wrap({workload_path(), "--mode", "oom", "--name", "lw-oom-multi", "--rate",
                              std::to_string(48 << 20), "--tick", "10"})));
  }
  for (auto& g : growers) {
    REQUIRE(g.wait_for_line("ready", 30s));
  }
  REQUIRE(wait_until(
      [&] {
        for (auto& g : growers) {
          if (!g.poll_exit()) {
            return false;
          }
        }
        return true;
      },
      60s, 20ms));
  std::set<int> killed;
  for (auto& g : growers) {
    if (WIFSIGNALED(*g.poll_exit()) && WTERMSIG(*g.poll_exit()) == SIGKILL) {
      killed.insert(g.pid());
    }
  }
  // Ground truth: the kernel's own count for the cgroup (v1 oom_control / v2 events.local).
  const std::uint64_t kernel_kills = cg.oom_kills().value_or(0) - *kills_before;
  CHECK(kernel_kills == killed.size());
  REQUIRE(kernel_kills >= 2);

  // Every kill appears once, attributed by the kernel log; then nothing more comes (the counter
  // that moved with them is not counted again after the hold).
  std::vector<nlohmann::json> seen;
  REQUIRE(wait_until(
      [&] {
        seen = events_in(oom_events(d), cg.rel());
        return seen.size() >= kernel_kills;
      },
      15s, 100ms));
  const double scans = find_sample(d.scrape(), "leakwatch_scans_total").value_or(0);
  REQUIRE(d.wait_scans(scans + 5, 10s));
  seen = events_in(oom_events(d), cg.rel());
  WARN(kernel_kills << " kills by the kernel, " << seen.size() << " events");
  CHECK(seen.size() == kernel_kills);
  std::set<int> pids;
  for (const auto& e : seen) {
    CHECK(e.value("source", "") == "kmsg");
    pids.insert(e.value("pid", 0));
  }
  CHECK(pids == killed);
  CHECK(find_sample(d.scrape(), "leakwatch_oom_kills_total", {{"group", "lw-oom-multi"}}) ==
        static_cast<double>(kernel_kills));
}

TEST_CASE("oom: an OOM kill line written to /dev/kmsg from user space is not counted",
          "[integration][oom][host_mutating]") {
  // Writes one fake kill into the host's kernel log (every log reader sees it).
  if (!host_mutating_enabled()) {
    LW_SKIP("writes a fake OOM kill into the host's /dev/kmsg; set LW_TEST_HOST_MUTATING=1");
  }
  TestCgroup cg("lw-test-oom-forged-" + std::to_string(::getpid()));
  if (!cg.ok()) {
    LW_SKIP("no writable memory cgroup controller on this host");
  }
  auto writer = lw::open_at(AT_FDCWD, "/dev/kmsg", O_WRONLY);
  if (!writer) {
    LW_SKIP("/dev/kmsg is not writable: " << writer.error().detail);
  }
  if (lw::text::trim(read_file("/proc/sys/kernel/printk_devkmsg")) == "off") {
    LW_SKIP("printk_devkmsg=off drops records written to /dev/kmsg");
  }
  cg.set_limit(48ULL << 20);
  Daemon d(fast_config_yaml());
  REQUIRE(d.wait_scans(1, 20s));
  d.process().drain();
  REQUIRE(d.process().output().find("kernel log: readable") != std::string::npos);

  // The forged victim is a real, live process in the limited cgroup, named as the kernel would.
  Child idle = Child::spawn(cg.wrap({workload_path(), "--mode", "idle", "--name", "lw-forged"}));
  REQUIRE(idle.wait_for_line("ready", 30s));
  const std::string pid = std::to_string(idle.pid());
  for (const std::string& text :
       {"oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=/,mems_allowed=0,oom_memcg=" +
            cg.rel() + ",task_memcg=" + cg.rel() + ",task=lw-forged,pid=" + pid + ",uid=0",
        "Memory cgroup out of memory: Killed process " + pid +
            " (lw-forged) total-vm:9000kB, anon-rss:8000kB, file-rss:100kB, shmem-rss:0kB, "
            "UID:0 pgtables:60kB oom_score_adj:0"}) {
    const std::string record = "<3>" + text + "\n";  // level err, as the kernel's
    REQUIRE(::write(writer->get(), record.data(), record.size()) ==
            static_cast<ssize_t>(record.size()));
  }

  // A real kill after it: once the daemon reports that one, it has read past the forged lines.
  Child victim = Child::spawn(cg.wrap({workload_path(), "--mode", "oom", "--name", "lw-oom-real",
                                       "--rate", std::to_string(48 << 20), "--tick", "10"}));
  REQUIRE(victim.wait_for_line("ready", 30s));
  REQUIRE(wait_until([&] { return victim.poll_exit().has_value(); }, 60s, 20ms));
  const std::string victim_pid = std::to_string(victim.pid());
  std::vector<nlohmann::json> seen;
  REQUIRE(wait_until(
      [&] {
        seen = events_in(oom_events(d), cg.rel());
        return std::any_of(seen.begin(), seen.end(), [&](const auto& e) {
          return std::to_string(e.value("pid", 0)) == victim_pid;
        });
      },
      15s, 100ms));
  const double scans = find_sample(d.scrape(), "leakwatch_scans_total").value_or(0);
  REQUIRE(d.wait_scans(scans + 5, 10s));
  seen = events_in(oom_events(d), cg.rel());
  for (const auto& e : seen) {
    CHECK(std::to_string(e.value("pid", 0)) != pid);
  }
  CHECK(seen.size() == cg.oom_kills().value_or(0));
  CHECK_FALSE(find_sample(d.scrape(), "leakwatch_oom_kills_total", {{"group", "lw-forged"}}));
  CHECK(idle.poll_exit() == std::nullopt);  // it was never killed
}
