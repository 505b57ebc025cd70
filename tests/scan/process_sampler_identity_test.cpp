// ProcessSampler's per-process identity across scans: a reused pid, a cgroup that changes after
// start or on exec, and cgroup paths seen from a private cgroup namespace.
#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "scan/process_fixture.h"
#include "scan/process_sampler.h"
#include "support/fake_root.h"

using namespace lw;
using namespace lw::model;
using namespace lw::scan;
using namespace lw::scan::process_fixture;
using namespace std::string_literals;

TEST_CASE("sampler: a reused pid with a new starttime is a new process", "[scan][sampler]") {
  testing::FakeRoot root;
  base_root(root);
  process(root, {.pid = 100, .comm = "old", .start_ticks = 5000});
  ProcessSampler sampler = open_sampler(root, 0);  // no periodic re-read
  const Sampled first = sample_once(sampler);
  REQUIRE(first.processes.size() == 1);
  CHECK(first.processes[0].cgroup == "/system.slice/app.service");

  // Same process, moved cgroup, same comm: without the periodic re-read the cgroup is kept.
  root.file("proc/100/cgroup", "0::/system.slice/other.service\n");
  const Sampled same = sample_once(sampler);
  REQUIRE(same.processes.size() == 1);
  CHECK(same.processes[0].id == ProcessId{100, 5000});
  CHECK(same.processes[0].cgroup == "/system.slice/app.service");

  // The pid is reused by another process: a new identity, its own cgroup read afresh.
  root.file("proc/100/stat", stat_line({.pid = 100, .comm = "new", .start_ticks = 9000}));
  const Sampled reused = sample_once(sampler);
  REQUIRE(reused.processes.size() == 1);
  CHECK(reused.processes[0].id == ProcessId{100, 9000});
  CHECK(reused.processes[0].comm == "new");
  CHECK(reused.processes[0].cgroup == "/system.slice/other.service");
  CHECK(sampler.identity(ProcessId{100, 5000}) == nullptr);  // the old one is forgotten
  CHECK(sampler.identity(ProcessId{100, 9000}) != nullptr);
}

TEST_CASE("sampler: a process moved into another cgroup after start gets it within N scans",
          "[scan][sampler]") {
  // runc init and systemd move a process into its final cgroup after it started; before the fix
  // the first cgroup read was kept for the life of the (pid, starttime).
  testing::FakeRoot root;
  base_root(root);
  process(root, {.pid = 100, .comm = "java", .start_ticks = 5000});
  root.file("proc/100/cgroup", "0::/system.slice/containerd.service\n");
  constexpr std::uint32_t kRefresh = 3;
  ProcessSampler sampler = open_sampler(root, kRefresh);
  const Sampled first = sample_once(sampler);
  REQUIRE(first.processes.size() == 1);
  CHECK(first.processes[0].unit == "containerd.service");
  const std::uint32_t version = first.processes[0].identity_version;

  root.file("proc/100/cgroup", "0::/kubepods.slice/pod1/cri-containerd-abc.scope\n");
  std::vector<std::string> seen;
  for (std::uint32_t i = 0; i < kRefresh; ++i) {
    const Sampled s = sample_once(sampler);
    REQUIRE(s.processes.size() == 1);
    seen.push_back(s.processes[0].cgroup);
  }
  CHECK(seen.back() == "/kubepods.slice/pod1/cri-containerd-abc.scope");
  const Sampled last = sample_once(sampler);
  CHECK(last.processes[0].unit == "cri-containerd-abc.scope");
  CHECK(last.processes[0].identity_version == version + 1);  // the store applies the rules again
  CHECK(last.processes[0].id == ProcessId{100, 5000});       // still the same process
}

TEST_CASE("sampler: an exec (comm changes) re-reads cgroup, exe and cmdline at once",
          "[scan][sampler]") {
  testing::FakeRoot root;
  base_root(root);
  process(root, {.pid = 100, .comm = "sh", .start_ticks = 5000});
  root.file("proc/100/cmdline", "sh\0-c\0exec java -jar app.jar\0"s);
  ProcessSampler sampler = open_sampler(root, 0, true);  // no periodic re-read: only the exec
  const Sampled first = sample_once(sampler);
  REQUIRE(first.processes.size() == 1);
  REQUIRE(sampler.identity(ProcessId{100, 5000}) != nullptr);
  CHECK(sampler.identity(ProcessId{100, 5000})->cmdline == "sh -c exec java -jar app.jar");

  root.file("proc/100/stat", stat_line({.pid = 100, .comm = "java", .start_ticks = 5000}))
      .file("proc/100/cmdline", "java\0-jar\0app.jar\0"s)
      .file("proc/100/cgroup", "0::/system.slice/app2.service\n");
  const Sampled after = sample_once(sampler);
  REQUIRE(after.processes.size() == 1);
  CHECK(after.processes[0].comm == "java");
  CHECK(after.processes[0].cgroup == "/system.slice/app2.service");
  CHECK(after.processes[0].unit == "app2.service");
  CHECK(after.processes[0].identity_version == first.processes[0].identity_version + 1);
  CHECK(sampler.identity(ProcessId{100, 5000})->cmdline == "java -jar app.jar");

  // Nothing changed: the version stays, so the store does not relabel every scan.
  const Sampled again = sample_once(sampler);
  CHECK(again.processes[0].identity_version == after.processes[0].identity_version);
}

TEST_CASE("sampler: cgroup paths from a private cgroup namespace never carry '/..'",
          "[scan][sampler]") {
  // Seen from a container with its own cgroup namespace, a host process's /proc/<pid>/cgroup
  // reads "/../x.service". Before the fix that went into the cgroup label as is.
  testing::FakeRoot root;
  base_root(root);
  process(root, {.pid = 100, .comm = "web", .start_ticks = 5000});
  root.file("proc/100/cgroup", "0::/../x.service\n");
  process(root, {.pid = 101, .comm = "sshd", .start_ticks = 5001});
  root.file("proc/101/cgroup", "0::/../../user.slice/user-1000.slice/session-1.scope\n");
  process(root, {.pid = 102, .comm = "app", .start_ticks = 5002});
  root.file("proc/102/cgroup", "0::/\n");  // inside the daemon's own namespace root

  // readdir order is not pid order.
  const auto by_pid = [](Sampled s) {
    std::sort(s.processes.begin(), s.processes.end(),
              [](const ProcessSample& a, const ProcessSample& b) { return a.id.pid < b.id.pid; });
    return s;
  };
  SECTION("the namespace root is known: resolved") {
    ProcessSampler sampler(
        ProcessSamplerOptions{.proc_root = (root / "proc").string(),
                              .cgroup_ns_root = std::string("/system.slice/docker-abc.scope")});
    REQUIRE(sampler.open().has_value());
    const Sampled s = by_pid(sample_once(sampler));
    REQUIRE(s.processes.size() == 3);
    CHECK(s.processes[0].cgroup == "/system.slice/x.service");
    CHECK(s.processes[0].unit == "x.service");
    CHECK(s.processes[1].cgroup == "/user.slice/user-1000.slice/session-1.scope");
    CHECK(s.processes[2].cgroup == "/system.slice/docker-abc.scope");
  }
  SECTION("the namespace root is unknown: unknown, not '/..'") {
    ProcessSampler sampler = open_sampler(root);
    const Sampled s = by_pid(sample_once(sampler));
    REQUIRE(s.processes.size() == 3);
    CHECK(s.processes[0].cgroup.empty());
    CHECK(s.processes[0].unit.empty());
    CHECK(s.processes[1].cgroup.empty());
    CHECK(s.processes[2].cgroup == "/");
  }
}
