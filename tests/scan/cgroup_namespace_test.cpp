// The daemon's cgroup namespace as CgroupSampler::discover() finds it (scan/cgroup_namespace.h).
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include <catch2/catch.hpp>

#include "scan/cgroup_fixture.h"
#include "scan/cgroup_sampler.h"
#include "support/fake_root.h"

using namespace lw;
using namespace lw::scan;
using namespace lw::scan::cgroup_fixture;

namespace {

// A v2 cgroup with the memory controller, `procs` in cgroup.procs.
void v2_cgroup(testing::FakeRoot& root, const std::string& dir, const std::string& procs) {
  root.file(dir + "/cgroup.controllers", "memory pids\n")
      .file(dir + "/cgroup.procs", procs)
      .file(dir + "/memory.current", "4096\n")
      .file(dir + "/memory.stat", "anon 4096\nfile 0\ninactive_file 0\nactive_file 0\n")
      .file(dir + "/memory.max", "max\n")
      .file(dir + "/memory.high", "max\n")
      .file(dir + "/memory.events", "low 0\nhigh 0\nmax 0\noom 0\noom_kill 0\n");
}

}  // namespace

namespace {

// A daemon in a container with a private cgroup namespace whose root is
// /system.slice/docker-abc.scope on the host: its own view of itself is "0::/", and its links
// say that its namespace differs from pid 1's (the host's init, with --pid=host).
void private_namespace(testing::FakeRoot& root, std::string_view mount_root) {
  root.file("proc/self/mountinfo",
            "30 21 0:26 " + std::string(mount_root) +
                " /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime - cgroup2 cgroup2 rw\n")
      .file("proc/self/cgroup", "0::/\n")
      .file("proc/self/stat",
            "4242 (leakwatchd) S 1 4242 4242 0 -1 4194560 130 0 0 0 7 3 0 0 20 0 3 0 5000 "
            "2990080 406\n")
      .dir("proc/self/ns")
      .dir("proc/1/ns");
  std::filesystem::create_symlink("cgroup:[4026532511]", root / "proc/self/ns/cgroup");
  std::filesystem::create_symlink("cgroup:[4026531835]", root / "proc/1/ns/cgroup");
}

}  // namespace

TEST_CASE("cgroup sampler: the host's hierarchy seen from a private cgroup namespace",
          "[scan][cgroup]") {
  // docker run --cgroupns=private -v /sys/fs/cgroup:/sys/fs/cgroup: the mount's root field reads
  // "/../.." (the hierarchy's root, two levels above the namespace root). Before the fix every
  // cgroup path started with "/../.." and no process path (resolved or not) matched one.
  testing::FakeRoot root;
  private_namespace(root, "/../..");
  root.file("sys/fs/cgroup/cgroup.controllers", "memory\n")
      .file("sys/fs/cgroup/cgroup.procs", "1\n")
      .file("sys/fs/cgroup/memory.stat", "anon 4096\n");
  v2_cgroup(root, "sys/fs/cgroup/system.slice", "");
  v2_cgroup(root, "sys/fs/cgroup/system.slice/docker-abc.scope", "4242\n");
  v2_cgroup(root, "sys/fs/cgroup/system.slice/x.service", "77\n");
  CgroupSampler sampler = discovered(root);
  const CgroupNamespaceInfo& ns = sampler.cgroup_namespace();
  CHECK(ns.private_ns);
  CHECK(ns.host_hierarchy);
  CHECK(ns.root == "/system.slice/docker-abc.scope");
  model::ScanStats stats;
  const auto samples = sampler.sample(8, stats);
  CHECK(paths_of(samples) == std::vector<std::string>{"/", "/system.slice",
                                                      "/system.slice/docker-abc.scope",
                                                      "/system.slice/x.service"});
  REQUIRE(samples.size() == 4);
  CHECK(samples[3].unit == "x.service");
}

TEST_CASE("cgroup sampler: a private cgroup namespace with only its own subtree is detected",
          "[scan][cgroup]") {
  // Docker's default on cgroup v2: the container mounts its own cgroup2 (root "/"). Host
  // processes' cgroups are not in it; the daemon must say so instead of labelling them "/..".
  testing::FakeRoot root;
  private_namespace(root, "/");
  root.file("sys/fs/cgroup/cgroup.controllers", "memory\n")
      .file("sys/fs/cgroup/cgroup.procs", "4242\n")
      .file("sys/fs/cgroup/memory.stat", "anon 4096\n");
  CgroupSampler sampler = discovered(root);
  const CgroupNamespaceInfo& ns = sampler.cgroup_namespace();
  CHECK(ns.private_ns);
  CHECK_FALSE(ns.host_hierarchy);
  CHECK_FALSE(ns.root.has_value());
}
