#include "scan/cgroup_sampler.h"

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include <catch2/catch.hpp>

#include "support/fake_root.h"
#include "support/skip.h"

using namespace lw;
using namespace lw::scan;

namespace {

constexpr std::uint64_t kLeakyUsage = 795082752;
constexpr std::uint64_t kLeakyInactiveFile = 41943040;
constexpr std::uint64_t kGiB = 1073741824;

std::string fixture_dir(std::string_view tree, std::string_view sub) {
  return std::string(LW_FIXTURES_DIR) + "/" + std::string(tree) + "/" + std::string(sub);
}

std::vector<std::string> paths_of(const std::vector<model::CgroupSample>& samples) {
  std::vector<std::string> out;
  for (const auto& s : samples) {
    out.push_back(s.path);
  }
  return out;
}

const model::CgroupSample& find(const std::vector<model::CgroupSample>& samples,
                                std::string_view path) {
  for (const auto& s : samples) {
    if (s.path == path) {
      return s;
    }
  }
  FAIL("no sample for " << path);
  throw std::logic_error("unreachable");
}

struct Sampled {
  std::vector<model::CgroupSample> samples;
  model::ScanStats stats;
};

Sampled sample_tree(CgroupSampler& sampler, std::uint32_t max_depth = 8) {
  Sampled out;
  out.samples = sampler.sample(max_depth, out.stats);
  return out;
}

constexpr std::string_view kV2Mountinfo =
    "21 26 0:20 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw\n"
    "30 21 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:9 - cgroup2 cgroup2 "
    "rw,nsdelegate,memory_recursiveprot\n";
constexpr std::string_view kV1Mountinfo =
    "24 17 0:20 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:8 - tmpfs tmpfs ro,mode=755\n"
    "30 24 0:26 / /sys/fs/cgroup/memory rw,nosuid,nodev,noexec,relatime shared:13 - cgroup "
    "cgroup rw,memory\n";

// A minimal v2 cgroup with the memory controller enabled (all files the kernel always has).
void v2_cgroup(testing::FakeRoot& root, const std::string& dir, std::uint64_t usage,
               std::uint64_t inactive_file) {
  root.file(dir + "/cgroup.controllers", "memory pids\n")
      .file(dir + "/cgroup.procs", "7\n")
      .file(dir + "/memory.current", std::to_string(usage) + "\n")
      .file(dir + "/memory.stat", "anon 4096\nfile 8192\ninactive_file " +
                                      std::to_string(inactive_file) + "\nactive_file 0\n")
      .file(dir + "/memory.max", "max\n")
      .file(dir + "/memory.high", "max\n")
      .file(dir + "/memory.events", "low 0\nhigh 0\nmax 0\noom 0\noom_kill 0\n");
}

void v2_root(testing::FakeRoot& root) {
  root.file("proc/self/mountinfo", kV2Mountinfo)
      .file("sys/fs/cgroup/cgroup.controllers", "cpu io memory pids\n")
      .file("sys/fs/cgroup/cgroup.procs", "1\n")
      .file("sys/fs/cgroup/memory.stat", "anon 4096\n");
}

void v1_cgroup(testing::FakeRoot& root, const std::string& dir, std::uint64_t usage) {
  root.file(dir + "/cgroup.procs", "7\n8\n9\n")
      .file(dir + "/memory.usage_in_bytes", std::to_string(usage) + "\n")
      .file(dir + "/memory.stat", "cache 0\nrss 0\ntotal_cache 8192\ntotal_rss 4096\n")
      .file(dir + "/memory.limit_in_bytes", "9223372036854771712\n")
      .file(dir + "/memory.oom_control", "oom_kill_disable 0\nunder_oom 0\n")
      .file(dir + "/memory.failcnt", "0\n");
}

CgroupSampler discovered(const testing::FakeRoot& root) {
  CgroupSampler sampler((root / "proc").string(), (root / "sys").string());
  const Status st = sampler.discover();
  INFO((st ? std::string("ok") : st.error().detail));
  REQUIRE(st.has_value());
  return sampler;
}

}  // namespace

TEST_CASE("cgroup sampler: pure v2 fixture", "[scan][cgroup]") {
  CgroupSampler sampler(fixture_dir("v2", "proc"), fixture_dir("v2", "sys"));
  REQUIRE(sampler.discover().has_value());
  CHECK(sampler.layout() == CgroupLayoutKind::kV2);
  CHECK(sampler.memory_root() == fixture_dir("v2", "sys/fs/cgroup"));

  const auto [samples, stats] = sample_tree(sampler);
  CHECK(paths_of(samples) == std::vector<std::string>{"/", "/system.slice",
                                                      "/system.slice/idle.service",
                                                      "/system.slice/leaky.service"});
  CHECK(stats.cgroups_listed == 4);
  CHECK(stats.cgroups_sampled == 4);
  CHECK(stats.cgroups_gone == 0);
  CHECK(stats.cgroup_errors == 0);

  const model::CgroupSample& leaky = find(samples, "/system.slice/leaky.service");
  CHECK(leaky.version == model::CgroupVersion::kV2);
  CHECK(leaky.inode != 0);
  CHECK(leaky.usage_bytes == kLeakyUsage);
  CHECK(leaky.anon_bytes == 734003200u);
  CHECK(leaky.file_bytes == 52428800u);
  CHECK(leaky.shmem_bytes == 0u);
  CHECK(leaky.kernel_bytes == 8650752u);
  CHECK(leaky.sock_bytes == 0u);
  CHECK(leaky.anon_thp_bytes == 4194304u);
  CHECK(leaky.inactive_file_bytes == kLeakyInactiveFile);
  CHECK(leaky.working_set_bytes() == kLeakyUsage - kLeakyInactiveFile);
  CHECK(leaky.swap_bytes == 0u);
  CHECK(leaky.limit_bytes == kGiB);
  CHECK_FALSE(leaky.high_bytes.has_value());        // "max"
  CHECK_FALSE(leaky.swap_limit_bytes.has_value());  // "max"
  CHECK(leaky.oom_events == 0u);
  CHECK(leaky.oom_kill_events == 0u);
  CHECK_FALSE(leaky.failcnt.has_value());  // v1 only
  REQUIRE(leaky.pressure.has_value());
  REQUIRE(leaky.pressure->some.has_value());
  CHECK(leaky.pressure->some->total_us == 1234567u);
  CHECK(leaky.pressure->full->avg10 == Approx(0.5));

  const model::CgroupSample& slice = find(samples, "/system.slice");
  CHECK(slice.limit_bytes == 2 * kGiB);  // the ancestor limit
  const model::CgroupSample& idle = find(samples, "/system.slice/idle.service");
  CHECK_FALSE(idle.limit_bytes.has_value());

  // The root has no memory.current/max/...: absent, not zero, and still sampled.
  const model::CgroupSample& root = find(samples, "/");
  CHECK_FALSE(root.usage_bytes.has_value());
  CHECK_FALSE(root.working_set_bytes().has_value());
  CHECK_FALSE(root.limit_bytes.has_value());
  CHECK_FALSE(root.oom_kill_events.has_value());
  CHECK(root.anon_bytes == 1006632960u);
}

TEST_CASE("cgroup sampler: pure v1 and hybrid fixtures", "[scan][cgroup]") {
  const std::string tree = GENERATE("v1", "hybrid");
  CgroupSampler sampler(fixture_dir(tree, "proc"), fixture_dir(tree, "sys"));
  REQUIRE(sampler.discover().has_value());
  CHECK(sampler.layout() == (tree == "v1" ? CgroupLayoutKind::kV1 : CgroupLayoutKind::kHybrid));
  CHECK(sampler.memory_root() == fixture_dir(tree, "sys/fs/cgroup/memory"));

  const auto [samples, stats] = sample_tree(sampler);
  CHECK(paths_of(samples) == std::vector<std::string>{"/", "/system.slice",
                                                      "/system.slice/idle.service",
                                                      "/system.slice/leaky.service"});
  CHECK(stats.cgroups_sampled == 4);
  CHECK(stats.cgroups_gone == 0);
  CHECK(stats.cgroup_errors == 0);

  const model::CgroupSample& leaky = find(samples, "/system.slice/leaky.service");
  CHECK(leaky.version == model::CgroupVersion::kV1);
  CHECK(leaky.usage_bytes == kLeakyUsage);
  CHECK(leaky.anon_bytes == 734003200u);    // total_rss
  CHECK(leaky.file_bytes == 52428800u);     // total_cache
  CHECK(leaky.anon_thp_bytes == 4194304u);  // total_rss_huge
  CHECK(leaky.inactive_file_bytes == kLeakyInactiveFile);
  CHECK(leaky.working_set_bytes() == kLeakyUsage - kLeakyInactiveFile);
  CHECK(leaky.swap_bytes == 0u);  // total_swap
  CHECK(leaky.limit_bytes == kGiB);
  CHECK_FALSE(leaky.swap_limit_bytes.has_value());  // memsw at the sentinel
  CHECK_FALSE(leaky.kernel_bytes.has_value());      // v2 only
  CHECK_FALSE(leaky.high_bytes.has_value());
  CHECK_FALSE(leaky.pressure.has_value());
  CHECK(leaky.oom_kill_events == 0u);
  CHECK(leaky.failcnt == 12u);

  // v1's root has every file; its limit is the "unlimited" sentinel.
  const model::CgroupSample& root = find(samples, "/");
  CHECK(root.usage_bytes == 1610612736u);
  CHECK_FALSE(root.limit_bytes.has_value());
  // The slice's own (non-total) rss is small; the hierarchical total is what we report.
  CHECK(find(samples, "/system.slice").anon_bytes == 740294656u);
}

TEST_CASE("cgroup sampler: v1 and v2 fixtures give the same metric families", "[scan][cgroup]") {
  CgroupSampler v2(fixture_dir("v2", "proc"), fixture_dir("v2", "sys"));
  CgroupSampler v1(fixture_dir("v1", "proc"), fixture_dir("v1", "sys"));
  REQUIRE(v2.discover().has_value());
  REQUIRE(v1.discover().has_value());
  const auto a = sample_tree(v2).samples;
  const auto b = sample_tree(v1).samples;
  REQUIRE(paths_of(a) == paths_of(b));
  for (std::size_t i = 1; i < a.size(); ++i) {  // the v2 root has no usage or limit files
    INFO(a[i].path);
    CHECK(a[i].usage_bytes == b[i].usage_bytes);
    CHECK(a[i].working_set_bytes() == b[i].working_set_bytes());
    CHECK(a[i].anon_bytes == b[i].anon_bytes);
    CHECK(a[i].file_bytes == b[i].file_bytes);
    CHECK(a[i].swap_bytes == b[i].swap_bytes);
    CHECK(a[i].limit_bytes == b[i].limit_bytes);
    CHECK(a[i].oom_kill_events == b[i].oom_kill_events);
  }
}

TEST_CASE("cgroup sampler: max_depth limits the cgroups read", "[scan][cgroup]") {
  CgroupSampler sampler(fixture_dir("v2", "proc"), fixture_dir("v2", "sys"));
  REQUIRE(sampler.discover().has_value());
  const auto [samples, stats] = sample_tree(sampler, 1);
  CHECK(paths_of(samples) == std::vector<std::string>{"/", "/system.slice"});
  CHECK(stats.cgroups_listed == 2);
}

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
