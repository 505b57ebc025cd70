#include "cgroup/layout.h"

#include <string>
#include <string_view>
#include <vector>

#include <catch2/catch.hpp>

#include "support/fake_root.h"

using namespace lw;
using namespace lw::cgroup;

namespace {

std::vector<MountEntry> mounts_of(std::string_view text) {
  auto table = parse_mountinfo(text);
  REQUIRE(table.malformed_lines == 0);
  return std::move(table.mounts);
}

std::vector<MountEntry> fixture_mounts(const std::string& tree) {
  return mounts_of(testing::fixture(tree + "/proc/self/mountinfo"));
}

}  // namespace

TEST_CASE("layout: pure v2 (Debian 12)", "[cgroup][layout]") {
  const CgroupLayout l = locate_cgroups(fixture_mounts("v2"));
  CHECK(l.kind == CgroupLayoutKind::kV2);
  CHECK(l.memory_mount_point == "/sys/fs/cgroup");
  CHECK(l.memory_mount_root == "/");
  CHECK(l.unified_mount_point == "/sys/fs/cgroup");
  CHECK(to_string(l.kind) == "v2");
}

TEST_CASE("layout: pure v1 (CentOS 7)", "[cgroup][layout]") {
  const CgroupLayout l = locate_cgroups(fixture_mounts("v1"));
  CHECK(l.kind == CgroupLayoutKind::kV1);
  CHECK(l.memory_mount_point == "/sys/fs/cgroup/memory");
  CHECK(l.memory_mount_root == "/");
  CHECK_FALSE(l.unified_mount_point.has_value());
  CHECK(to_string(l.kind) == "v1");
}

TEST_CASE("layout: hybrid (Ubuntu 20.04): memory stays on v1", "[cgroup][layout]") {
  const CgroupLayout l = locate_cgroups(fixture_mounts("hybrid"));
  CHECK(l.kind == CgroupLayoutKind::kHybrid);
  CHECK(l.memory_mount_point == "/sys/fs/cgroup/memory");
  CHECK(l.unified_mount_point == "/sys/fs/cgroup/unified");
  CHECK(to_string(l.kind) == "hybrid");
}

TEST_CASE("layout: no cgroup mounts at all", "[cgroup][layout]") {
  const CgroupLayout l = locate_cgroups(
      mounts_of("22 27 0:21 / /proc rw,relatime - proc proc rw\n"
                "23 27 0:22 / /sys rw,relatime - sysfs sysfs rw\n"
                "32 23 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"));
  CHECK(l.kind == CgroupLayoutKind::kNone);
  CHECK(l.memory_mount_point.empty());
  CHECK(to_string(l.kind) == "none");
  CHECK(locate_cgroups({}).kind == CgroupLayoutKind::kNone);
}

TEST_CASE("layout: a v1 controller list mentioning memory only as part of a word",
          "[cgroup][layout]") {
  // cgroup2's "memory_recursiveprot" mount option is not the v1 memory controller.
  const CgroupLayout l = locate_cgroups(
      mounts_of("30 21 0:26 / /sys/fs/cgroup rw shared:9 - cgroup2 cgroup2 "
                "rw,nsdelegate,memory_recursiveprot\n"
                "31 30 0:27 / /sys/fs/cgroup/misc rw - cgroup cgroup rw,name=memoryish\n"));
  CHECK(l.kind == CgroupLayoutKind::kV2);
}

TEST_CASE("layout: a container without a cgroup namespace mounts a sub-tree", "[cgroup][layout]") {
  const CgroupLayout l =
      locate_cgroups(mounts_of("712 705 0:32 /docker/0123abcd /sys/fs/cgroup/memory "
                               "ro,nosuid,nodev,noexec,relatime master:15 "
                               "- cgroup cgroup rw,memory\n"));
  CHECK(l.kind == CgroupLayoutKind::kV1);
  CHECK(l.memory_mount_root == "/docker/0123abcd");
}

TEST_CASE("layout: a later mount on the same mount point shadows the earlier one",
          "[cgroup][layout]") {
  const CgroupLayout l =
      locate_cgroups(mounts_of("30 21 0:26 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n"
                               "31 21 0:27 / /elsewhere rw - cgroup2 cgroup2 rw\n"
                               "32 21 0:28 /sub /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n"));
  CHECK(l.kind == CgroupLayoutKind::kV2);
  CHECK(l.memory_mount_point == "/sys/fs/cgroup");
  CHECK(l.memory_mount_root == "/sub");
}

TEST_CASE("layout: cgroup.controllers lists whole names", "[cgroup][layout]") {
  CHECK(lists_controller("cpuset cpu io memory hugetlb pids rdma misc\n", "memory"));
  CHECK(lists_controller("memory", "memory"));
  CHECK_FALSE(lists_controller("cpuset cpu io hugetlb pids\n", "memory"));
  CHECK_FALSE(lists_controller("\n", "memory"));
  CHECK_FALSE(lists_controller("", "memory"));
  CHECK(lists_controller(testing::fixture("v2/sys/fs/cgroup/cgroup.controllers"), "memory"));
  CHECK_FALSE(lists_controller(testing::fixture("hybrid/sys/fs/cgroup/unified/cgroup.controllers"),
                               "memory"));
}

TEST_CASE("layout: mount points are re-rooted under the sysfs root", "[cgroup][layout]") {
  CHECK(reroot_mount_point("/sys/fs/cgroup/memory", "/x/sys") == "/x/sys/fs/cgroup/memory");
  CHECK(reroot_mount_point("/sys/fs/cgroup/memory", "/x/sys/") == "/x/sys/fs/cgroup/memory");
  CHECK(reroot_mount_point("/sys/fs/cgroup", "/sys") == "/sys/fs/cgroup");
  CHECK(reroot_mount_point("/sys", "/host/sys") == "/host/sys");
  // Not under /sys: placed under sys_root's parent (the presumed host root).
  CHECK(reroot_mount_point("/cgroup/memory", "/x/sys") == "/x/cgroup/memory");
  CHECK(reroot_mount_point("/cgroup/memory", "/sys") == "/cgroup/memory");
  CHECK(reroot_mount_point("/sysfs/cgroup", "/x/sys") == "/x/sysfs/cgroup");
  CHECK(reroot_mount_point("/cgroup", "sys") == "./cgroup");
}
