// The fault matrix, runtime rows (RELIABILITY.md): signal storms, a configuration file that is
// gone at reload, a wall clock stepped by an hour (libfaketime, never the host's clock),
// processes and cgroups vanishing mid-read and an unreadable kernel log. Each case checks that the
// real daemon keeps serving and scanning, logs one clear line and counts the fault.

#include <chrono>
#include <cmath>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "http/json_check.h"
#include "integration/fault_util.h"
#include "support/memory_cgroup.h"
#include "support/metrics_text.h"
#include "support/process.h"

using namespace lw::testing;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

constexpr const char* kReloadOk = "leakwatch_config_last_reload_successful";
constexpr const char* kLibFaketime = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1";

void stop_cleanly(Daemon& d) {
  const auto st = d.process().stop(SIGTERM, 10s);
  REQUIRE(st);
  CHECK(WIFEXITED(*st));
  CHECK(WEXITSTATUS(*st) == 0);
  d.process().drain();
}

// The wall time (the daemon's clock) of the newest point in the daemon's own history, which the
// configuration exports (include rule on comm leakwatchd); 0 when there is none.
double newest_point(Daemon& d) {
  const auto body = d.get("/api/v1/processes/" + std::to_string(d.process().pid()));
  const auto doc = body ? json::parse(*body) : std::nullopt;
  const json::Value* history = doc ? doc->get("history") : nullptr;
  if (history == nullptr || history->array.empty() || history->array.back().array.size() != 2) {
    return 0;
  }
  return history->array.back().array[0].number;
}

double wall_now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace

TEST_CASE("fault: 200 SIGHUPs in a second", "[integration][fault]") {
  FakeRoot tmp;
  Daemon d(fault_config(tmp / "state"));
  REQUIRE(d.wait_scans(2, 20s));
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < 200; ++i) {
    REQUIRE(::kill(d.process().pid(), SIGHUP) == 0);
    std::this_thread::sleep_until(t0 + i * 5ms);  // the storm's pace, not a wait for a condition
  }
  CHECK(std::chrono::steady_clock::now() - t0 < 2s);
  CHECK_FALSE(d.process().poll_exit());
  CHECK(serving(d));
  CHECK(still_scanning(d));
  CHECK(metric(d, kReloadOk) == 1);
  d.process().drain();
  INFO(d.process().output());
  const std::size_t reloads = count_lines(d.process().output(), "configuration reloaded");
  CHECK(reloads >= 1);  // pending signals coalesce: at most one line per delivered SIGHUP
  CHECK(reloads <= 200);
  CHECK(count_lines(d.process().output(), "reload failed") == 0);
  WARN("200 SIGHUPs: " << reloads << " reloads logged");
  stop_cleanly(d);
}

TEST_CASE("fault: the configuration file is gone at reload", "[integration][fault]") {
  FakeRoot tmp;
  const std::string yaml = fault_config(tmp / "state");
  Daemon d(yaml);
  REQUIRE(d.wait_scans(2, 20s));
  const fs::path cfg = d.config_path();
  std::string says;
  SECTION("deleted") {
    fs::remove(cfg);
    says = "No such file";
  }
  SECTION("replaced by a directory") {
    fs::remove(cfg);
    fs::create_directory(cfg);
    says = "directory";
  }
  REQUIRE(::kill(d.process().pid(), SIGHUP) == 0);
  const auto line = d.process().wait_for_line("reload failed", 10s);
  REQUIRE(line);
  CHECK(line->find(says) != std::string::npos);
  CHECK(wait_until([&] { return metric(d, kReloadOk) == 0; }, 10s));
  CHECK(serving(d));
  CHECK(still_scanning(d));  // on the running configuration
  d.process().drain();
  CHECK(count_lines(d.process().output(), "reload failed") == 1);
  // Put back: the next reload works and the gauge says so.
  fs::remove(cfg);
  std::ofstream(cfg) << yaml;
  REQUIRE(::kill(d.process().pid(), SIGHUP) == 0);
  REQUIRE(d.process().wait_for_line("configuration reloaded", 10s));
  CHECK(wait_until([&] { return metric(d, kReloadOk) == 1; }, 10s));
  stop_cleanly(d);
}

TEST_CASE("fault: the wall clock stepped an hour forward, then back", "[integration][fault]") {
  if (!fs::exists(kLibFaketime)) {
    LW_SKIP("libfaketime not installed (Debian package faketime)");
  }
  FakeRoot tmp;
  const fs::path offset = tmp / "faketime";
  tmp.file("faketime", "+0\n");
  // libfaketime re-reads the offset file on every call (FAKETIME_NO_CACHE) and leaves the
  // monotonic clock alone, as a real step of the wall clock would.
  const std::vector<std::string> launcher{"/usr/bin/env",
                                          std::string("LD_PRELOAD=") + kLibFaketime,
                                          "FAKETIME_TIMESTAMP_FILE=" + offset.string(),
                                          "FAKETIME_NO_CACHE=1",
                                          "FAKETIME_DONT_FAKE_MONOTONIC=1",
                                          "ASAN_OPTIONS=verify_asan_link_order=0"};
  const fs::path state = tmp / "state";
  {
    Daemon d(fault_config(state, "", "export:\n  include:\n    - comm: \"leakwatchd\"\n"), {},
             launcher);
    REQUIRE(d.wait_scans(3, 20s));
    for (const auto& [step, expected] : {std::pair{"+3600", 3600.0}, std::pair{"-3600", -3600.0}}) {
      INFO("step " << step);
      const double shift =
          expected;  // a structured binding cannot be captured before C++20's P1091
      std::ofstream(offset, std::ios::trunc) << step << "\n";
      // The daemon's clock moved (so the fault is real) ...
      REQUIRE(
          wait_until([&] { return std::abs(newest_point(d) - (wall_now() + shift)) < 600; }, 20s));
      // ... and it goes on serving and scanning, its process list intact.
      CHECK(serving(d));
      CHECK(still_scanning(d));
      int status = 0;
      CHECK(d.get("/api/v1/processes", &status));
      CHECK(status == 200);
    }
    stop_cleanly(d);
    INFO(d.process().output());
    CHECK(count_lines(d.process().output(), "error") == 0);
  }
  // The snapshot written with the stepped clock restores on the real one.
  Daemon again(fault_config(state));
  INFO(again.process().output());
  CHECK(count_lines(again.process().output(), "restored history: ") == 1);
  CHECK(serving(again));
}

TEST_CASE("fault: processes vanish mid-read", "[integration][fault]") {
  FakeRoot tmp;
  Daemon d(fault_config(tmp / "state"));
  REQUIRE(d.wait_scans(2, 20s));
  // Two shells forking short-lived processes as fast as they can: many exit between the scan's
  // listing of /proc and its reads of their files.
  std::vector<Child> churn;
  for (int i = 0; i < 2; ++i) {
    churn.push_back(Child::spawn({"/bin/sh", "-c", "while :; do /bin/true; done"}, false));
  }
  const bool vanished = wait_metric(d, "leakwatch_scan_errors_total", {{"reason", "vanished"}}, 1);
  CHECK(still_scanning(d));
  for (Child& c : churn) {
    (void)c.stop(SIGKILL, 5s);
  }
  CHECK(vanished);
  CHECK(serving(d));
  const auto samples = d.scrape();
  CHECK(duplicate_series(samples).empty());
  // A vanished process is normal, never a parse error or a warning.
  CHECK(find_sample(samples, "leakwatch_scan_errors_total", {{"reason", "parse"}}) == 0);
  d.process().drain();
  INFO(d.process().output());
  CHECK(count_lines(d.process().output(), "malformed") == 0);
  stop_cleanly(d);
}

TEST_CASE("fault: the kernel log is unreadable", "[integration][fault]") {
  FakeRoot tmp;
  SECTION("missing: one line at start, counted once, the daemon serves") {
    const std::string path = (tmp / "no-kmsg").string();
    Daemon d(fault_config(tmp / "state", "  kmsg: " + path + "\n"));
    INFO(d.process().output());
    CHECK(count_lines(d.process().output(), "kernel log: unreadable (" + path) == 1);
    CHECK(serving(d));
    CHECK(still_scanning(d));
    CHECK(metric(d, "leakwatch_scan_errors_total", {{"reason", "kmsg"}}) == 1);
  }
  SECTION("a directory: every read fails, counted, never logged per scan") {
    tmp.dir("kmsg-dir");
    Daemon d(fault_config(tmp / "state", "  kmsg: " + (tmp / "kmsg-dir").string() + "\n"));
    REQUIRE(wait_metric(d, "leakwatch_scan_errors_total", {{"reason", "kmsg"}}, 3));
    CHECK(serving(d));
    CHECK(still_scanning(d));
    d.process().drain();
    INFO(d.process().output());
    CHECK(count_lines(d.process().output(), "warning") == 0);
  }
}

TEST_CASE("fault: the kernel log returns EPIPE (records overwritten)", "[integration][fault]") {
  FakeRoot tmp;
  tmp.file("kmsg", "");
  const std::string kmsg = (tmp / "kmsg").string();
  // The shim (kmsg_fault_shim.cpp) makes every second read of this file fail with EPIPE and the
  // others return one record each, as /dev/kmsg does.
  const std::vector<std::string> launcher{
      "/usr/bin/env", std::string("LD_PRELOAD=") + LW_KMSG_FAULT_SHIM, "LW_KMSG_FAULT_PATH=" + kmsg,
      "LW_KMSG_FAULT_EVERY=2", "ASAN_OPTIONS=verify_asan_link_order=0"};
  Daemon d(fault_config(tmp / "state", "  kmsg: " + kmsg + "\n"), {}, launcher);
  REQUIRE(d.wait_scans(2, 20s));
  {
    std::ofstream out(kmsg, std::ios::app);
    for (int i = 0; i < 4; ++i) {
      out << "6,4100" << i << ",88000000000" << i << ",-;an ordinary kernel line " << i << "\n";
    }
    out << "3,41009,880000000900,-;Out of memory: Killed process 5152 (lw-epipe) "
           "total-vm:3145728kB, anon-rss:1572864kB, file-rss:65536kB, shmem-rss:16384kB, "
           "UID:1000 pgtables:4096kB oom_score_adj:100\n";
  }
  // The reader counts each EPIPE and reads on: the kill behind the overwritten records arrives.
  CHECK(wait_until(
      [&] {
        const auto body = d.get("/api/v1/oom-kills");
        return body && body->find("lw-epipe") != std::string::npos;
      },
      20s));
  CHECK(wait_metric(d, "leakwatch_scan_errors_total", {{"reason", "kmsg"}}, 3));
  CHECK(serving(d));
  CHECK(still_scanning(d));
  d.process().drain();
  INFO(d.process().output());
  CHECK(count_lines(d.process().output(), "kernel log: readable") == 1);
  stop_cleanly(d);
}

TEST_CASE("fault: cgroups vanish mid-read", "[integration][fault]") {
  // A parent memory cgroup for the churn, so every churned one is below it and easy to clean up.
  TestCgroup parent("lw-fault-cgchurn-" + std::to_string(::getpid()));
  if (!parent.ok()) {
    LW_SKIP("no writable memory cgroup controller on this host");
  }
  FakeRoot tmp;
  Daemon d(fault_config(tmp / "state"));
  REQUIRE(d.wait_scans(2, 20s));
  const double before =
      metric(d, "leakwatch_scan_errors_total", {{"reason", "cgroup"}}).value_or(0);
  // Two shells creating and removing child cgroups as fast as they can: many are listed by a
  // scan and gone before their files are read.
  std::vector<Child> churn;
  for (int i = 0; i < 2; ++i) {
    const std::string dir = parent.path() + "/c" + std::to_string(i);
    churn.push_back(Child::spawn(
        {"/bin/sh", "-c", "while :; do mkdir " + dir + " && rmdir " + dir + "; done"}, false));
  }
  const bool vanished =
      wait_metric(d, "leakwatch_scan_errors_total", {{"reason", "cgroup"}}, before + 1);
  CHECK(still_scanning(d));
  for (Child& c : churn) {
    (void)c.stop(SIGKILL, 5s);
  }
  for (int i = 0; i < 2; ++i) {
    ::rmdir((parent.path() + "/c" + std::to_string(i)).c_str());
  }
  CHECK(vanished);
  CHECK(serving(d));
  const auto samples = d.scrape();
  CHECK(duplicate_series(samples).empty());
  CHECK(find_sample(samples, "leakwatch_scan_errors_total", {{"reason", "parse"}}) == 0);
  // Once the churn stops, no series of a removed cgroup stays.
  CHECK(wait_until(
      [&] {
        const auto now = d.scrape();
        for (int i = 0; i < 2; ++i) {
          const std::string rel = parent.rel() + "/c" + std::to_string(i);
          if (find_sample(now, "leakwatch_cgroup_memory_usage_bytes", {{"cgroup", rel}})) {
            return false;
          }
        }
        return true;
      },
      10s));
  d.process().drain();
  INFO(d.process().output());
  // A vanished cgroup is normal: never a warning or an error line.
  CHECK(count_lines(d.process().output(), " warning ") == 0);
  CHECK(count_lines(d.process().output(), " error ") == 0);
  stop_cleanly(d);
}
