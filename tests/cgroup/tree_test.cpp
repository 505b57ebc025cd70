#include "cgroup/tree.h"

#include <string>
#include <string_view>
#include <vector>

#include <sys/stat.h>

#include <catch2/catch.hpp>

#include "support/fake_root.h"

using namespace lw;
using namespace lw::cgroup;

namespace {

std::vector<std::string> paths_of(const CgroupTree& tree) {
  std::vector<std::string> out;
  for (const auto& d : tree.dirs) {
    out.push_back(d.path);
  }
  return out;
}

std::uint64_t inode_of(const std::filesystem::path& p) {
  struct ::stat st {};
  REQUIRE(::lstat(p.c_str(), &st) == 0);
  return st.st_ino;
}

void make_tree(testing::FakeRoot& root) {
  root.file("cg/cgroup.procs", "1\n")
      .file("cg/system.slice/cgroup.procs", "")
      .file("cg/system.slice/nginx.service/cgroup.procs", "100\n")
      .file("cg/system.slice/nginx.service/worker/cgroup.procs", "101\n")
      .file("cg/system.slice/a.service/cgroup.procs", "")
      .file("cg/user.slice/cgroup.procs", "")
      .file("cg/init.scope/cgroup.procs", "1\n");
}

}  // namespace

TEST_CASE("tree: pre-order, siblings sorted, paths relative to the root", "[cgroup][tree]") {
  testing::FakeRoot root;
  make_tree(root);
  const auto tree = walk_cgroup_tree(root / "cg", 8);
  REQUIRE(tree.has_value());
  CHECK(paths_of(*tree) ==
        std::vector<std::string>{"/", "/init.scope", "/system.slice", "/system.slice/a.service",
                                 "/system.slice/nginx.service",
                                 "/system.slice/nginx.service/worker", "/user.slice"});
  CHECK(tree->vanished == 0);
  CHECK(tree->errors == 0);
  CHECK(tree->dirs[0].depth == 0);
  CHECK(tree->dirs[5].depth == 3);
  CHECK(tree->dirs[0].inode == inode_of(root / "cg"));
  CHECK(tree->dirs[4].inode == inode_of(root / "cg/system.slice/nginx.service"));
}

TEST_CASE("tree: max_depth bounds the walk", "[cgroup][tree]") {
  testing::FakeRoot root;
  make_tree(root);
  const auto only_root = walk_cgroup_tree(root / "cg", 0);
  REQUIRE(only_root.has_value());
  CHECK(paths_of(*only_root) == std::vector<std::string>{"/"});

  const auto two = walk_cgroup_tree(root / "cg", 2);
  REQUIRE(two.has_value());
  CHECK(paths_of(*two) == std::vector<std::string>{"/", "/init.scope", "/system.slice",
                                                   "/system.slice/a.service",
                                                   "/system.slice/nginx.service", "/user.slice"});
}

TEST_CASE("tree: files and symlinks are not cgroups", "[cgroup][tree]") {
  testing::FakeRoot root;
  make_tree(root);
  std::filesystem::create_directory_symlink(root / "cg/system.slice", root / "cg/link.slice");
  const auto tree = walk_cgroup_tree(root / "cg", 1);
  REQUIRE(tree.has_value());
  CHECK(paths_of(*tree) ==
        std::vector<std::string>{"/", "/init.scope", "/system.slice", "/user.slice"});
}

TEST_CASE("tree: a missing root is an error of kind kGone", "[cgroup][tree]") {
  testing::FakeRoot root;
  const auto tree = walk_cgroup_tree(root / "nope", 4);
  REQUIRE_FALSE(tree.has_value());
  CHECK(tree.error().kind == ErrorKind::kGone);

  root.file("plain", "x");
  const auto file = walk_cgroup_tree(root / "plain", 4);
  REQUIRE_FALSE(file.has_value());
  CHECK(file.error().kind == ErrorKind::kIo);
}

TEST_CASE("tree: names with spaces and dots", "[cgroup][tree]") {
  testing::FakeRoot root;
  root.dir("cg/system.slice/system-getty.slice/getty@tty1.service")
      .dir("cg/odd name")
      .dir("cg/.hidden");
  const auto tree = walk_cgroup_tree(root / "cg", 4);
  REQUIRE(tree.has_value());
  CHECK(paths_of(*tree) ==
        std::vector<std::string>{"/", "/.hidden", "/odd name", "/system.slice",
                                 "/system.slice/system-getty.slice",
                                 "/system.slice/system-getty.slice/getty@tty1.service"});
}

TEST_CASE("tree: the fixture hierarchies walk the same on v1 and v2", "[cgroup][tree]") {
  const std::string dir =
      GENERATE("v2/sys/fs/cgroup", "v1/sys/fs/cgroup/memory", "hybrid/sys/fs/cgroup/memory");
  const auto tree = walk_cgroup_tree(std::filesystem::path(LW_FIXTURES_DIR) / dir, 8);
  REQUIRE(tree.has_value());
  CHECK(paths_of(*tree) == std::vector<std::string>{"/", "/system.slice",
                                                    "/system.slice/idle.service",
                                                    "/system.slice/leaky.service"});
}
