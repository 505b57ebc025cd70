#include "cgroup/mountinfo.h"

#include <string>
#include <string_view>

#include <catch2/catch.hpp>

#include "support/fake_root.h"

using namespace lw;
using namespace lw::cgroup;

namespace {

// Captured on a Linux 6.18 host with the hybrid layout (v1 controllers mounted one per
// hierarchy, cgroup2 at /sys/fs/cgroup/unified), one unrelated line removed.
constexpr std::string_view kHybridHost =
    "22 27 0:21 / /proc rw,relatime - proc proc rw\n"
    "23 27 0:22 / /sys rw,relatime - sysfs sysfs rw\n"
    "24 27 0:6 / /dev rw,relatime - devtmpfs devtmpfs "
    "rw,size=12334492k,nr_inodes=3083623,mode=755\n"
    "25 24 0:23 / /dev/shm rw,relatime - tmpfs tmpfs rw,size=24684092k\n"
    "26 24 0:24 / /dev/pts rw,relatime - devpts devpts rw,mode=600,ptmxmode=000\n"
    "27 1 254:0 / / rw,relatime - ext4 /dev/vda rw,discard,resv_strict,resuid=65534,resgid=65534\n"
    "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
    "32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
    "33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct\n"
    "34 31 0:31 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset\n"
    "35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
    "36 31 0:33 / /sys/fs/cgroup/devices rw,relatime - cgroup cgroup rw,devices\n"
    "37 31 0:34 / /sys/fs/cgroup/freezer rw,relatime - cgroup cgroup rw,freezer\n"
    "38 31 0:35 / /sys/fs/cgroup/blkio rw,relatime - cgroup cgroup rw,blkio\n"
    "39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids\n"
    "40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd\n"
    "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n";

}  // namespace

TEST_CASE("mountinfo: the proc(5) example line", "[cgroup][mountinfo]") {
  const auto m = parse_mountinfo_line(
      "36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue");
  REQUIRE(m.has_value());
  CHECK(m->mount_id == 36u);
  CHECK(m->parent_id == 35u);
  CHECK(m->major == 98u);
  CHECK(m->minor == 0u);
  CHECK(m->root == "/mnt1");
  CHECK(m->mount_point == "/mnt2");
  CHECK(m->mount_options == "rw,noatime");
  REQUIRE(m->optional_fields.size() == 1);
  CHECK(m->optional_fields[0] == "master:1");
  CHECK(m->fs_type == "ext3");
  CHECK(m->source == "/dev/root");
  CHECK(m->super_options == "rw,errors=continue");
}

TEST_CASE("mountinfo: zero or several optional fields", "[cgroup][mountinfo]") {
  const auto none =
      parse_mountinfo_line("41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw");
  REQUIRE(none.has_value());
  CHECK(none->optional_fields.empty());
  CHECK(none->fs_type == "cgroup2");

  const auto many = parse_mountinfo_line(
      "30 21 0:26 / /sys/fs/cgroup rw,nosuid shared:9 master:3 propagate_from:2 unbindable - "
      "cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot");
  REQUIRE(many.has_value());
  CHECK(many->optional_fields ==
        std::vector<std::string>{"shared:9", "master:3", "propagate_from:2", "unbindable"});
  CHECK(many->super_options == "rw,nsdelegate,memory_recursiveprot");
}

TEST_CASE("mountinfo: octal escapes in paths are decoded", "[cgroup][mountinfo]") {
  const auto m = parse_mountinfo_line(
      "60 26 254:17 /a\\134b /srv/backup\\040disk\\011x\\012y rw,relatime shared:31 - ext4 "
      "/dev/disk\\040one rw");
  REQUIRE(m.has_value());
  CHECK(m->root == "/a\\b");
  CHECK(m->mount_point == "/srv/backup disk\tx\ny");
  CHECK(m->source == "/dev/disk one");
  CHECK(unescape_mount_field("\\04") == "\\04");    // too short: kept
  CHECK(unescape_mount_field("\\089") == "\\089");  // not octal: kept
  CHECK(unescape_mount_field("x\\0401") == "x 1");
}

TEST_CASE("mountinfo: an empty mount source is allowed", "[cgroup][mountinfo]") {
  const auto m =
      parse_mountinfo_line("90 26 0:50 / /mnt rw,relatime shared:40 - tmpfs  rw,size=4k");
  REQUIRE(m.has_value());
  CHECK(m->source.empty());
  CHECK(m->super_options == "rw,size=4k");
}

TEST_CASE("mountinfo: malformed lines are errors", "[cgroup][mountinfo]") {
  const std::string_view line = GENERATE(
      "", "36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 ext3 /dev/root rw",  // no separator
      "36 35 98:0 /mnt1 /mnt2 - ext3 /dev/root rw",                        // 5 fields before
      "x 35 98:0 / /mnt rw - ext3 /dev/root rw", "36 35 98 / /mnt rw - ext3 /dev/root rw",
      "36 35 98:x / /mnt rw - ext3 /dev/root rw", "36 -1 98:0 / /mnt rw - ext3 /dev/root rw",
      "36 35 98:0 / /mnt rw - ext3 /dev/root", "36 35 98:0 / /mnt rw - ext3",
      "36 35 98:0 / /mnt rw -  /dev/root rw", "36 35 98:0 / /mnt rw - ext3 /dev/root rw extra",
      "36 35 98:0 / /mnt rw  shared:1 - ext3 /dev/root rw",
      "36 35 98:0 / /mnt rw - ext3 /dev/root ");
  const auto m = parse_mountinfo_line(line);
  REQUIRE_FALSE(m.has_value());
  CHECK(m.error().kind == ErrorKind::kMalformed);
  CHECK(m.error().detail == "mountinfo: bad line '" + std::string(line) + "'");
}

TEST_CASE("mountinfo: a whole captured file", "[cgroup][mountinfo]") {
  const auto table = parse_mountinfo(kHybridHost);
  CHECK(table.malformed_lines == 0);
  const auto& mounts = table.mounts;
  REQUIRE(mounts.size() == 17);
  CHECK(mounts.front().mount_point == "/proc");
  CHECK(mounts.back().fs_type == "cgroup2");
  CHECK(mounts[10].super_options == "rw,memory");
}

TEST_CASE("mountinfo: the fixture files parse", "[cgroup][mountinfo]") {
  const std::string tree = GENERATE("v1", "v2", "hybrid");
  const auto table = parse_mountinfo(testing::fixture(tree + "/proc/self/mountinfo"));
  CHECK(table.malformed_lines == 0);
  CHECK(table.mounts.size() > 10);
}

TEST_CASE("mountinfo: a bad line is skipped and counted, and truncation never throws",
          "[cgroup][mountinfo]") {
  // Before the fix one bad line failed the whole file, and with it all cgroup sampling.
  const auto bad = parse_mountinfo("garbage\n" + std::string(kHybridHost) + "36 35 98:0 /mnt1\n");
  CHECK(bad.malformed_lines == 2);
  CHECK(bad.first_malformed == "garbage");
  CHECK(bad.mounts.size() == 17);
  for (std::size_t n = 0; n <= kHybridHost.size(); ++n) {
    CHECK_NOTHROW(parse_mountinfo(kHybridHost.substr(0, n)));
  }
}

TEST_CASE("mountinfo: has_option matches whole comma-separated items", "[cgroup][mountinfo]") {
  CHECK(has_option("rw,memory", "memory"));
  CHECK(has_option("memory", "memory"));
  CHECK(has_option("rw,seclabel,cpuacct,cpu", "cpu"));
  CHECK_FALSE(has_option("rw,nsdelegate,memory_recursiveprot", "memory"));
  CHECK_FALSE(has_option("rw,name=memory", "memory"));
  CHECK_FALSE(has_option("", "memory"));
}
