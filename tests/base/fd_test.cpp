#include "base/fd.h"

#include <cerrno>
#include <span>
#include <string>
#include <string_view>
#include <utility>

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
  CHECK_FALSE(a.valid());  // NOLINT(*-use-after-move,*.Move): moved-from is the point
  CHECK(b.valid());
}

TEST_CASE("fd: a reused ReadBuffer holds exactly the last file read", "[base]") {
  // Files of decreasing size through one buffer: the bytes past each file's end are stale from
  // the bigger one before, and must never show in the view.
  testing::FakeRoot root;
  const std::string big(9000, 'a');
  const std::string mid(5000, 'b');
  root.file("big", big).file("mid", mid).file("small", "cc\n").file("empty", "");
  auto dir = open_at(AT_FDCWD, root.path().c_str(), O_DIRECTORY | O_RDONLY);
  REQUIRE(dir.has_value());
  ReadBuffer buf;
  const auto first = read_all_at(dir->get(), "big", buf);
  REQUIRE(first.has_value());
  CHECK(*first == big);
  const std::size_t grown = buf.capacity();
  CHECK(grown >= big.size());
  for (const auto& [name, want] : {std::pair<const char*, std::string_view>{"mid", mid},
                                   {"small", "cc\n"},
                                   {"empty", ""},
                                   {"small", "cc\n"}}) {
    const auto text = read_all_at(dir->get(), name, buf);
    REQUIRE(text.has_value());
    CHECK(*text == want);
    CHECK(buf.size() == want.size());
    CHECK(buf.capacity() == grown);  // the room is kept, not reallocated per read
  }
  // A failed read leaves no text of the previous file behind.
  REQUIRE_FALSE(read_all_at(dir->get(), "nope", buf).has_value());
  CHECK(buf.view().empty());
}

TEST_CASE("fd: a file of max_bytes or more is kIo, through either buffer", "[base]") {
  testing::FakeRoot root;
  root.file("f", std::string(6000, 'x'));
  auto dir = open_at(AT_FDCWD, root.path().c_str(), O_DIRECTORY | O_RDONLY);
  REQUIRE(dir.has_value());
  ReadBuffer fast;
  std::string plain;
  for (const std::size_t max : {std::size_t{6000}, std::size_t{4096}, std::size_t{1}}) {
    const auto a = read_all_at(dir->get(), "f", fast, max);
    const auto b = read_all_at(dir->get(), "f", plain, max);
    REQUIRE_FALSE(a.has_value());
    REQUIRE_FALSE(b.has_value());
    CHECK(a.error().kind == ErrorKind::kIo);
    CHECK(b.error().kind == ErrorKind::kIo);
  }
  const auto a = read_all_at(dir->get(), "f", fast, 6001);
  const auto b = read_all_at(dir->get(), "f", plain, 6001);
  REQUIRE(a.has_value());
  REQUIRE(b.has_value());
  CHECK(a->size() == 6000);
  CHECK(*a == *b);
}

TEST_CASE("fd: ReadBuffer moves its bytes and leaves the source empty", "[base]") {
  ReadBuffer a;
  const std::span<char> room = a.spare(3);
  REQUIRE(room.size() >= 3);
  room[0] = 'x';
  room[1] = 'y';
  a.commit(2);
  ReadBuffer b = std::move(a);
  CHECK(b.view() == "xy");
  CHECK(a.view().empty());  // NOLINT(*-use-after-move,*.Move): moved-from is the point
  CHECK(a.capacity() == 0);
}
