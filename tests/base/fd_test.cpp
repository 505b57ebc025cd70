#include "base/fd.h"

#include <cerrno>
#include <string>

#include <fcntl.h>

#include <catch2/catch.hpp>

#include "support/fake_root.h"

using namespace lw;

TEST_CASE("fd: error_from_errno classifies errno", "[base]") {
  CHECK(error_from_errno(ENOENT, "x").kind == ErrorKind::kGone);
  CHECK(error_from_errno(ESRCH, "x").kind == ErrorKind::kGone);
  CHECK(error_from_errno(EACCES, "x").kind == ErrorKind::kDenied);
  CHECK(error_from_errno(EPERM, "x").kind == ErrorKind::kDenied);
  CHECK(error_from_errno(EIO, "x").kind == ErrorKind::kIo);
  CHECK(error_from_errno(EIO, "stat").detail.rfind("stat: ", 0) == 0);
}

TEST_CASE("fd: read_all_at reads past one page and reports a missing file as gone", "[base]") {
  testing::FakeRoot root;
  const std::string big(10000, 'z');
  root.file("big", big);
  auto dir = open_at(AT_FDCWD, root.path().c_str(), O_DIRECTORY | O_RDONLY);
  REQUIRE(dir.has_value());
  std::string buf;
  const auto text = read_all_at(dir->get(), "big", buf);
  REQUIRE(text.has_value());
  CHECK(*text == big);
  const auto missing = read_all_at(dir->get(), "nope", buf);
  REQUIRE_FALSE(missing.has_value());
  CHECK(missing.error().kind == ErrorKind::kGone);
  const auto capped = read_all_at(dir->get(), "big", buf, 4096);
  REQUIRE_FALSE(capped.has_value());
  CHECK(capped.error().kind == ErrorKind::kIo);
}

TEST_CASE("fd: UniqueFd closes and moves", "[base]") {
  testing::FakeRoot root;
  root.file("f", "x");
  auto fd = open_at(AT_FDCWD, (root / "f").c_str(), O_RDONLY);
  REQUIRE(fd.has_value());
  UniqueFd a = std::move(*fd);
  CHECK(a.valid());
  UniqueFd b = std::move(a);
  CHECK_FALSE(a.valid());  // NOLINT(bugprone-use-after-move): moved-from state is the point
  CHECK(b.valid());
}
