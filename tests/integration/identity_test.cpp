// What the real daemon knows about a real process stays right for its whole life: a process
// moved into a cgroup after start, a shell that execs a program matched by an exe rule, and a
// process whose main thread exited while another thread runs on.

#include <fstream>
#include <sstream>
#include <string>

#include <unistd.h>

#include <catch2/catch.hpp>

#include "support/daemon.h"
#include "support/memory_cgroup.h"
#include "support/skip.h"

using namespace lw::testing;
using namespace std::chrono_literals;

namespace {

// Field (3) of /proc/<pid>/stat: 'Z' for a zombie leader; '?' when unreadable.
char leader_state(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::ostringstream ss;
  ss << in.rdbuf();
  const std::string text = ss.str();
  const auto close = text.rfind(')');
  return close != std::string::npos && close + 2 < text.size() ? text[close + 2] : '?';
}

}  // namespace

TEST_CASE("identity: a process moved into a memory cgroup after start gets its new cgroup",
          "[integration][identity]") {
  TestCgroup cg("lw-test-move-" + std::to_string(::getpid()));
  if (!cg.ok()) {
    LW_SKIP("no writable memory cgroup controller on this host (need root)");
  }
  Daemon d(
      fast_config_yaml("export:\n  include:\n    - comm: \"lw-moved\"\n"
                       "groups:\n  by: cgroup\n"));
  REQUIRE(d.wait_scans(1, 20s));
  Child c = Child::spawn({workload_path(), "--mode", "hold", "--base", "4", "--name", "lw-moved"});
  REQUIRE(c.wait_for_line("ready", 30s));
  const std::string pid = std::to_string(c.pid());
  std::string before;
  REQUIRE(wait_until(
      [&] {
        for (const auto& s : d.scrape()) {
          if (s.name == "leakwatch_process_info" && s.labels.count("pid") != 0 &&
              s.labels.at("pid") == pid) {
            before = s.labels.at("cgroup");
            return true;
          }
        }
        return false;
      },
      20s, 100ms));
  REQUIRE(before != cg.rel());

  REQUIRE(cg.add_process(c.pid()));
  // Within scan.identity_refresh_scans scans (30 by default: 5 s at 166 ms), not never.
  CHECK(wait_until(
      [&] {
        return find_sample(d.scrape(), "leakwatch_process_info",
                           {{"pid", pid}, {"cgroup", cg.rel()}, {"group", cg.rel()}})
            .has_value();
      },
      15s, 100ms));
}

TEST_CASE("identity: a shell that execs a program is grouped by the program's exe rule",
          "[integration][identity]") {
  // The scan interval is 166 ms: the shell is seen as "sh" (exe /usr/bin/dash) first, so the exe
  // rule can only match once exe is read again after the exec.
  // This build's workload only: other tests on the machine run lw_workload too.
  const std::string exe = workload_path();
  REQUIRE(exe.find_first_of(".*+?()[]{}|^$\\") == std::string::npos);
  Daemon d(fast_config_yaml("export:\n  include:\n    - exe: \"" + exe +
                            "\"\n"
                            "groups:\n  by: rules\n  rules:\n"
                            "    - match: {exe: \"" +
                            exe + "\"}\n      name: wl-by-exe\n"));
  REQUIRE(d.wait_scans(1, 20s));
  Child c = Child::spawn(
      {"/bin/sh", "-c", "sleep 0.5; exec " + workload_path() + " --mode hold --base 4"});
  REQUIRE(c.wait_for_line("ready", 30s));
  CHECK(wait_until(
      [&] {
        return find_sample(d.scrape(), "leakwatch_process_info",
                           {{"pid", std::to_string(c.pid())}, {"group", "wl-by-exe"}})
            .has_value();
      },
      10s, 100ms));
  CHECK(find_sample(d.scrape(), "leakwatch_group_processes", {{"group", "wl-by-exe"}}) == 1.0);
}

TEST_CASE("identity: a process whose main thread exited is sampled through a live thread",
          "[integration][identity]") {
  Daemon d(fast_config_yaml("export:\n  include:\n    - comm: \"lw-noleader\"\n"));
  REQUIRE(d.wait_scans(1, 20s));
  constexpr double kBaseMiB = 24;
  Child c = Child::spawn({workload_path(), "--mode", "leaderexit", "--base",
                          std::to_string(static_cast<int>(kBaseMiB)), "--name", "lw-noleader"});
  REQUIRE(c.wait_for_line("ready", 30s));
  REQUIRE(leader_state(c.pid()) == 'Z');  // the leader is gone, the process is not
  std::optional<double> rss;
  CHECK(wait_until(
      [&] {
        rss = find_sample(d.scrape(), "leakwatch_process_resident_bytes",
                          {{"pid", std::to_string(c.pid())}});
        // A report from a scan taken while the thread was still touching its memory shows less.
        return rss.value_or(0) >= kBaseMiB * (1 << 20);
      },
      10s, 100ms));
}
