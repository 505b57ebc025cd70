// CgroupSampler on the checked-in v1, v2 and hybrid fixture trees (tests/fixtures): every field
// of a sample, and the same metric families from either cgroup version.
#include "scan/cgroup_sampler.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <catch2/catch.hpp>

#include "scan/cgroup_fixture.h"

using namespace lw;
using namespace lw::scan;
using namespace lw::scan::cgroup_fixture;

namespace {

constexpr std::uint64_t kLeakyUsage = 795082752;
constexpr std::uint64_t kLeakyInactiveFile = 41943040;
constexpr std::uint64_t kGiB = 1073741824;

std::string fixture_dir(std::string_view tree, std::string_view sub) {
  return std::string(LW_FIXTURES_DIR) + "/" + std::string(tree) + "/" + std::string(sub);
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
