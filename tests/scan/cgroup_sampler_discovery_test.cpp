// CgroupSampler::discover() and the paths it yields: the layout from mountinfo (v1, v2, none,
// failures, malformed lines), mount roots inside a container, units and container ids, a live host.
#include <algorithm>
#include <filesystem>
#include <string>
#include <system_error>
#include <vector>

#include <catch2/catch.hpp>

#include "scan/cgroup_fixture.h"
#include "scan/cgroup_sampler.h"
#include "support/fake_root.h"
#include "support/skip.h"

using namespace lw;
using namespace lw::scan;
using namespace lw::scan::cgroup_fixture;

TEST_CASE("cgroup sampler: paths include the mount's root inside a container", "[scan][cgroup]") {
  testing::FakeRoot root;
  root.file("proc/self/mountinfo",
            "712 705 0:32 /docker/abc /sys/fs/cgroup/memory ro,nosuid master:15 - cgroup cgroup "
            "rw,memory\n");
  v1_cgroup(root, "sys/fs/cgroup/memory", 1000);
  v1_cgroup(root, "sys/fs/cgroup/memory/app", 100);
  CgroupSampler sampler = discovered(root);
  const auto samples = sample_tree(sampler).samples;
  CHECK(paths_of(samples) == std::vector<std::string>{"/docker/abc", "/docker/abc/app"});
}

TEST_CASE("cgroup sampler: a mount point outside /sys goes under sys_root's parent",
          "[scan][cgroup]") {
  testing::FakeRoot root;
  root.file("proc/self/mountinfo",
            "30 24 0:26 / /cgroup/memory rw,relatime - cgroup cgroup rw,memory\n")
      .dir("sys");
  v1_cgroup(root, "cgroup/memory", 1000);
  CgroupSampler sampler = discovered(root);
  CHECK(sampler.layout() == CgroupLayoutKind::kV1);
  CHECK(sampler.memory_root() == (root / "cgroup/memory").string());
  CHECK(sample_tree(sampler).samples.size() == 1);
}

TEST_CASE("cgroup sampler: discovery failures and the none layout", "[scan][cgroup]") {
  testing::FakeRoot root;
  SECTION("cgroup2 without the memory controller is kNone, not an error") {
    root.file("proc/self/mountinfo", kV2Mountinfo)
        .file("sys/fs/cgroup/cgroup.controllers", "cpu io pids\n");
    CgroupSampler sampler = discovered(root);
    CHECK(sampler.layout() == CgroupLayoutKind::kNone);
    CHECK(sampler.memory_root().empty());
    const auto [samples, stats] = sample_tree(sampler);
    CHECK(samples.empty());
    CHECK(stats.cgroup_errors == 0);
  }
  SECTION("no cgroup mount at all") {
    root.file("proc/self/mountinfo", "22 27 0:21 / /proc rw,relatime - proc proc rw\n");
    CHECK(discovered(root).layout() == CgroupLayoutKind::kNone);
  }
  SECTION("no mountinfo") {
    CgroupSampler sampler((root / "proc").string(), (root / "sys").string());
    const Status st = sampler.discover();
    REQUIRE_FALSE(st.has_value());
    CHECK(st.error().kind == ErrorKind::kGone);
    CHECK(sampler.layout() == CgroupLayoutKind::kNone);
    model::ScanStats stats;
    CHECK(sampler.sample(8, stats).empty());
  }
  SECTION("malformed mountinfo") {
    root.file("proc/self/mountinfo", "not mountinfo\n");
    CgroupSampler sampler((root / "proc").string(), (root / "sys").string());
    const Status st = sampler.discover();
    REQUIRE_FALSE(st.has_value());
    CHECK(st.error().kind == ErrorKind::kMalformed);
  }
  SECTION("the controller's directory is not under sys_root") {
    root.file("proc/self/mountinfo", kV1Mountinfo).dir("sys");
    CgroupSampler sampler((root / "proc").string(), (root / "sys").string());
    const Status st = sampler.discover();
    REQUIRE_FALSE(st.has_value());
    CHECK(st.error().kind == ErrorKind::kGone);
    CHECK(sampler.layout() == CgroupLayoutKind::kNone);
  }
}

TEST_CASE("cgroup sampler: choose_memory_path follows the layout", "[scan][cgroup]") {
  procfs::PidCgroup c;
  c.unified_path = "/user.slice/user-1000.slice/session-3.scope";
  c.v1_memory_path = "/user.slice";
  CHECK(choose_memory_path(c, CgroupLayoutKind::kV2) ==
        "/user.slice/user-1000.slice/session-3.scope");
  CHECK(choose_memory_path(c, CgroupLayoutKind::kV1) == "/user.slice");
  CHECK(choose_memory_path(c, CgroupLayoutKind::kHybrid) == "/user.slice");
  CHECK(choose_memory_path(c, CgroupLayoutKind::kNone).empty());
  c.v1_memory_path.reset();
  CHECK(choose_memory_path(c, CgroupLayoutKind::kHybrid).empty());
}

TEST_CASE("cgroup sampler: live host", "[scan][cgroup][live]") {
  CgroupSampler sampler("/proc", "/sys");
  const Status st = sampler.discover();
  if (!st || sampler.layout() == CgroupLayoutKind::kNone) {
    LW_SKIP("no memory cgroup controller on this host");
  }
  // Independent evidence of a hybrid host: a v1 memory hierarchy and a cgroup2 one side by side.
  std::error_code ec;
  const bool hybrid_host =
      std::filesystem::exists("/sys/fs/cgroup/memory/memory.usage_in_bytes", ec) &&
      std::filesystem::exists("/sys/fs/cgroup/unified/cgroup.controllers", ec);
  if (hybrid_host) {
    CHECK(sampler.layout() == CgroupLayoutKind::kHybrid);
    CHECK(sampler.memory_root() == "/sys/fs/cgroup/memory");
  }
  const auto [samples, stats] = sample_tree(sampler, 4);
  REQUIRE_FALSE(samples.empty());
  CHECK(samples.front().path == "/");
  CHECK(stats.cgroups_sampled == samples.size());
  CHECK(stats.cgroup_errors == 0);
  for (const auto& s : samples) {
    INFO(s.path);
    CHECK(s.inode != 0);
    if (s.path != "/" || sampler.layout() != CgroupLayoutKind::kV2) {
      CHECK(s.usage_bytes.has_value());
    }
  }
}

TEST_CASE("cgroup sampler: units and container ids come from the path", "[scan][cgroup]") {
  lw::testing::FakeRoot root;
  const std::string id(64, 'a');
  root.file("proc/self/mountinfo",
            "35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n");
  const auto v1_cgroup = [&](const std::string& dir) {
    const std::string d = "sys/fs/cgroup/memory" + dir + "/";
    root.file(d + "memory.usage_in_bytes", "8192\n")
        .file(d + "memory.limit_in_bytes", "9223372036854771712\n")
        .file(d + "memory.stat", "total_rss 8192\n")
        .file(d + "memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 0\n")
        .file(d + "memory.failcnt", "0\n")
        .file(d + "cgroup.procs", "1\n");
  };
  v1_cgroup("");
  v1_cgroup("/system.slice");
  v1_cgroup("/system.slice/docker-" + id + ".scope");
  lw::scan::CgroupSampler sampler((root / "proc").string(), (root / "sys").string());
  REQUIRE(sampler.discover().has_value());
  lw::model::ScanStats stats;
  const auto samples = sampler.sample(4, stats);
  const auto it = std::find_if(samples.begin(), samples.end(), [&](const auto& s) {
    return s.path == "/system.slice/docker-" + id + ".scope";
  });
  REQUIRE(it != samples.end());
  CHECK(it->unit == "docker-" + id + ".scope");
  CHECK(it->container_id == id);
}

TEST_CASE("cgroup sampler: a malformed mountinfo line is skipped, counted, and sampling goes on",
          "[scan][cgroup]") {
  // Before the fix one bad line (here a truncated one) made discover() fail: no cgroup sampling
  // at all, and no reason given.
  testing::FakeRoot root;
  root.file("proc/self/mountinfo",
            "99 98 0:77 / /mnt/odd\\040dir rw - \n" + std::string(kV1Mountinfo));
  v1_cgroup(root, "sys/fs/cgroup/memory", 1000);
  v1_cgroup(root, "sys/fs/cgroup/memory/a.service", 100);
  CgroupSampler sampler = discovered(root);
  CHECK(sampler.layout() == CgroupLayoutKind::kV1);
  CHECK(sampler.mountinfo_malformed_lines() == 1);
  CHECK(sampler.first_malformed_mountinfo_line() == "99 98 0:77 / /mnt/odd\\040dir rw - ");
  const auto [samples, stats] = sample_tree(sampler);
  CHECK(paths_of(samples) == std::vector<std::string>{"/", "/a.service"});
}
