// CgroupSampler reading one cgroup's files: a cgroup removed mid-scan, malformed or missing
// files, OOM counters, the working set, and cgroups without the memory controller.
#include <filesystem>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "scan/cgroup_fixture.h"
#include "scan/cgroup_sampler.h"
#include "support/fake_root.h"

using namespace lw;
using namespace lw::scan;
using namespace lw::scan::cgroup_fixture;

TEST_CASE("cgroup sampler: a cgroup removed mid-scan is skipped and counted", "[scan][cgroup]") {
  testing::FakeRoot root;
  SECTION("v2") {
    v2_root(root);
    v2_cgroup(root, "sys/fs/cgroup/a.service", 100, 10);
    v2_cgroup(root, "sys/fs/cgroup/c.service", 300, 30);
    // Listed by the walk, but its files are gone: rmdir happened between readdir and the reads.
    root.dir("sys/fs/cgroup/b.service");
  }
  SECTION("v1") {
    root.file("proc/self/mountinfo", kV1Mountinfo);
    v1_cgroup(root, "sys/fs/cgroup/memory", 1000);
    v1_cgroup(root, "sys/fs/cgroup/memory/a.service", 100);
    v1_cgroup(root, "sys/fs/cgroup/memory/c.service", 300);
    root.dir("sys/fs/cgroup/memory/b.service");
  }
  SECTION("v1, gone after the first file") {
    root.file("proc/self/mountinfo", kV1Mountinfo);
    v1_cgroup(root, "sys/fs/cgroup/memory", 1000);
    v1_cgroup(root, "sys/fs/cgroup/memory/a.service", 100);
    v1_cgroup(root, "sys/fs/cgroup/memory/c.service", 300);
    root.file("sys/fs/cgroup/memory/b.service/memory.usage_in_bytes", "200\n");
  }
  CgroupSampler sampler = discovered(root);
  const auto [samples, stats] = sample_tree(sampler);
  CHECK(paths_of(samples) == std::vector<std::string>{"/", "/a.service", "/c.service"});
  CHECK(find(samples, "/c.service").usage_bytes == 300u);
  CHECK(stats.cgroups_listed == 4);
  CHECK(stats.cgroups_sampled == 3);
  CHECK(stats.cgroups_gone == 1);
  CHECK(stats.cgroup_errors == 0);
}

TEST_CASE("cgroup sampler: v2 OOM counters are the cgroup's own (memory.events.local)",
          "[scan][cgroup]") {
  // memory.events counts the kills below a cgroup too (5.2+); memory.events.local, like v1's
  // memory.oom_control, only its own. Before 5.2 there is no .local and memory.events is local.
  testing::FakeRoot root;
  v2_root(root);
  v2_cgroup(root, "sys/fs/cgroup/parent", 100, 10);
  v2_cgroup(root, "sys/fs/cgroup/parent/child", 100, 10);
  root.file("sys/fs/cgroup/parent/memory.events", "low 0\nhigh 0\nmax 9\noom 4\noom_kill 3\n")
      .file("sys/fs/cgroup/parent/memory.events.local", "low 0\nhigh 0\nmax 2\noom 1\noom_kill 1\n")
      .file("sys/fs/cgroup/parent/child/memory.events",
            "low 0\nhigh 0\nmax 7\noom 3\noom_kill 2\n");  // a 5.1 kernel: no .local
  CgroupSampler sampler = discovered(root);
  const auto [samples, stats] = sample_tree(sampler);
  CHECK(stats.cgroup_errors == 0);
  CHECK(stats.cgroups_gone == 0);
  const model::CgroupSample& parent = find(samples, "/parent");
  CHECK(parent.oom_kill_events == 1u);
  CHECK(parent.oom_events == 1u);
  const model::CgroupSample& child = find(samples, "/parent/child");
  CHECK(child.oom_kill_events == 2u);
  CHECK(child.oom_events == 3u);
}

TEST_CASE("cgroup sampler: a malformed file skips that cgroup as an error", "[scan][cgroup]") {
  testing::FakeRoot root;
  v2_root(root);
  v2_cgroup(root, "sys/fs/cgroup/a.service", 100, 10);
  v2_cgroup(root, "sys/fs/cgroup/b.service", 200, 20);
  const auto [file, content] = GENERATE(table<std::string, std::string>({
      {"memory.current", "lots\n"},
      {"memory.stat", "anon 1\nfile x\n"},
      {"memory.max", "unlimited\n"},
      {"memory.events", "oom\n"},
      {"memory.events.local", "oom_kill x\n"},
      {"memory.pressure", "some avg10=x\n"},
      {"memory.swap.max", "-1\n"},
  }));
  root.file("sys/fs/cgroup/b.service/" + file, content);
  CgroupSampler sampler = discovered(root);
  const auto [samples, stats] = sample_tree(sampler);
  INFO(file);
  CHECK(paths_of(samples) == std::vector<std::string>{"/", "/a.service"});
  CHECK(stats.cgroup_errors == 1);
  CHECK(stats.cgroups_gone == 0);
}

TEST_CASE("cgroup sampler: a failed read is 'gone' only if the cgroup is gone", "[scan][cgroup]") {
  // cgroupfs answers reads of a removed cgroup's open file with ENODEV (kIo): the sampler then
  // looks whether the directory still has cgroup.procs. A symlink to a directory where a file
  // should be gives EISDIR, the same kind of failure, without a race (the walk ignores symlinks).
  testing::FakeRoot root;
  v2_root(root);
  v2_cgroup(root, "sys/fs/cgroup/a.service", 100, 10);
  v2_cgroup(root, "sys/fs/cgroup/b.service", 200, 20);
  root.remove("sys/fs/cgroup/b.service/memory.current");
  std::filesystem::create_directory_symlink(root / "sys",
                                            root / "sys/fs/cgroup/b.service/memory.current");
  const bool removed = GENERATE(false, true);
  if (removed) {
    root.remove("sys/fs/cgroup/b.service/cgroup.procs");
  }
  CgroupSampler sampler = discovered(root);
  const auto [samples, stats] = sample_tree(sampler);
  CHECK(paths_of(samples) == std::vector<std::string>{"/", "/a.service"});
  CHECK(stats.cgroups_gone == (removed ? 1u : 0u));
  CHECK(stats.cgroup_errors == (removed ? 0u : 1u));
}

TEST_CASE("cgroup sampler: files a kernel may lack leave fields absent", "[scan][cgroup]") {
  testing::FakeRoot root;
  v2_root(root);
  // No memory.swap.* (no swap accounting), no memory.pressure (psi=0).
  v2_cgroup(root, "sys/fs/cgroup/a.service", 100, 10);
  CgroupSampler sampler = discovered(root);
  const auto [samples, stats] = sample_tree(sampler);
  REQUIRE(samples.size() == 2);
  const model::CgroupSample& a = samples[1];
  CHECK(a.usage_bytes == 100u);
  CHECK_FALSE(a.swap_bytes.has_value());
  CHECK_FALSE(a.swap_limit_bytes.has_value());
  CHECK_FALSE(a.pressure.has_value());
  CHECK_FALSE(a.kernel_bytes.has_value());  // not in this memory.stat
  CHECK(stats.cgroups_gone == 0);
  CHECK(stats.cgroup_errors == 0);
}

TEST_CASE("cgroup sampler: working set is usage minus inactive file, never negative",
          "[scan][cgroup]") {
  testing::FakeRoot root;
  v2_root(root);
  v2_cgroup(root, "sys/fs/cgroup/a.service", 100000, 30000);
  // Counters are read one after another, so inactive_file can exceed usage for a moment.
  v2_cgroup(root, "sys/fs/cgroup/b.service", 4096, 8192);
  CgroupSampler sampler = discovered(root);
  const auto samples = sample_tree(sampler).samples;
  CHECK(find(samples, "/a.service").working_set_bytes() == 70000u);
  CHECK(find(samples, "/b.service").working_set_bytes() == 0u);
}

TEST_CASE("cgroup sampler: v2 cgroups without the memory controller are not samples",
          "[scan][cgroup]") {
  testing::FakeRoot root;
  v2_root(root);
  v2_cgroup(root, "sys/fs/cgroup/a.service", 100, 10);
  root.file("sys/fs/cgroup/pids-only/cgroup.controllers", "pids\n")
      .file("sys/fs/cgroup/pids-only/cgroup.procs", "5\n");
  CgroupSampler sampler = discovered(root);
  const auto [samples, stats] = sample_tree(sampler);
  CHECK(paths_of(samples) == std::vector<std::string>{"/", "/a.service"});
  CHECK(stats.cgroups_listed == 3);
  CHECK(stats.cgroups_gone == 0);
  CHECK(stats.cgroup_errors == 0);
}
