#include "sites/target_identity.h"

#include <csignal>
#include <filesystem>
#include <optional>
#include <string>

#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "support/fake_root.h"
#include "support/process.h"

using lw::sites::target_identity;
using lw::testing::Child;
using lw::testing::FakeRoot;

namespace {

// A stat line with `starttime` in field 22 and a comm that holds a space and a ')'.
std::string stat_line(const std::string& starttime) {
  return "4242 (we) ird) S 1 4242 4242 0 -1 4194560 100 0 0 0 5 3 0 0 20 0 1 0 " + starttime +
         " 12345678 300 18446744073709551615\n";
}

}  // namespace

TEST_CASE("sites identity: this process's start time and executable") {
  const auto id = target_identity("/proc", ::getpid());
  REQUIRE(id.has_value());
  struct stat exe {};
  REQUIRE(::stat("/proc/self/exe", &exe) == 0);
  CHECK(id->dev == exe.st_dev);
  CHECK(id->ino == exe.st_ino);
  CHECK(id->starttime > 0);
  CHECK(target_identity("/proc", ::getpid()) == id);
}

TEST_CASE("sites identity: an exec changes the image, not the start time") {
  FakeRoot scratch;
  const std::string go = (scratch / "go").string();
  Child child = Child::spawn(
      {"/bin/sh", "-c", "while [ ! -e '" + go + "' ]; do sleep 0.02; done; exec /bin/sleep 30"});
  const auto before = target_identity("/proc", child.pid());
  REQUIRE(before.has_value());
  scratch.file("go", "");
  std::optional<lw::sites::TargetIdentity> after;
  REQUIRE(lw::testing::wait_until(
      [&] {
        after = target_identity("/proc", child.pid());
        return after && after->ino != before->ino;
      },
      std::chrono::seconds(10)));
  CHECK(after->starttime == before->starttime);
  child.stop(SIGKILL, std::chrono::seconds(5));
}

TEST_CASE("sites identity: a gone process, a bad stat, a missing exe") {
  CHECK_FALSE(target_identity("/proc", 0x3fffffff).has_value());
  FakeRoot root;
  SECTION("stat and exe readable") {
    root.file("4242/stat", stat_line("987654"));
    std::filesystem::create_symlink("/bin/sh", root / "4242/exe");
    const auto id = target_identity(root.path().string(), 4242);
    REQUIRE(id.has_value());
    CHECK(id->starttime == 987654);
    struct stat sh {};
    REQUIRE(::stat("/bin/sh", &sh) == 0);
    CHECK(id->ino == sh.st_ino);
  }
  SECTION("a start time that is not a number") {
    root.file("4242/stat", stat_line("12x"));
    std::filesystem::create_symlink("/bin/sh", root / "4242/exe");
    CHECK_FALSE(target_identity(root.path().string(), 4242).has_value());
  }
  SECTION("a truncated stat") {
    root.file("4242/stat", "4242 (sh) S 1 4242");
    std::filesystem::create_symlink("/bin/sh", root / "4242/exe");
    CHECK_FALSE(target_identity(root.path().string(), 4242).has_value());
  }
  SECTION("no executable (a kernel thread or a zombie)") {
    root.file("4242/stat", stat_line("987654"));
    CHECK_FALSE(target_identity(root.path().string(), 4242).has_value());
  }
}
