#include "store/snapshot_file.h"

#include <filesystem>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "support/fake_root.h"

using lw::ErrorKind;
namespace store = lw::store;

namespace {

std::vector<std::string> list_dir(const std::filesystem::path& dir) {
  std::vector<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    names.push_back(e.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace

TEST_CASE("snapshot: crc32 matches the IEEE check value", "[store]") {
  CHECK(store::crc32("123456789") == 0xCBF43926U);
  CHECK(store::crc32("") == 0U);
  CHECK(store::crc32("56789", store::crc32("1234")) == 0xCBF43926U);
}

TEST_CASE("snapshot: the container is byte for byte the documented layout", "[store]") {
  // Pinned bytes: a file written by an earlier build (own CRC table) must still open, and the
  // other way round, so the CRC's source may change but never its value or position.
  const std::string expected = std::string("LWSNAP01") + std::string("\x07\x00\x00\x00", 4) +
                               std::string("\x09\x00\x00\x00\x00\x00\x00\x00", 8) +
                               std::string("\x26\x39\xF4\xCB", 4) + "123456789";
  CHECK(store::seal_snapshot(7, "123456789") == expected);
  const auto opened = store::open_snapshot(expected, 7);
  REQUIRE(opened.has_value());
  CHECK(*opened == "123456789");
}

TEST_CASE("snapshot: seal then open returns the payload", "[store]") {
  const std::string payload("series\0with\0nul bytes", 21);
  const std::string file = store::seal_snapshot(3, payload);
  CHECK(file.size() == store::kSnapshotHeaderBytes + payload.size());
  CHECK(file.substr(0, 8) == "LWSNAP01");
  const auto opened = store::open_snapshot(file, 3);
  REQUIRE(opened.has_value());
  CHECK(*opened == payload);
  const auto empty = store::open_snapshot(store::seal_snapshot(1, ""), 1);
  REQUIRE(empty.has_value());
  CHECK(empty->empty());
}

TEST_CASE("snapshot: each kind of damage has its own error", "[store]") {
  const std::string file = store::seal_snapshot(2, "some payload bytes");
  auto fails_with = [](std::string_view bytes, std::uint32_t version) {
    const auto r = store::open_snapshot(bytes, version);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().kind == ErrorKind::kMalformed);
    return r.error().detail;
  };
  std::string flipped = file;
  flipped.back() = static_cast<char>(flipped.back() ^ 0x10);
  CHECK(fails_with(flipped, 2).rfind("snapshot: CRC mismatch (stored 0x", 0) == 0);

  CHECK(fails_with(file, 1) == "snapshot: foreign version 2 (expected 1)");

  std::string magic = file;
  magic[3] = 'X';
  CHECK(fails_with(magic, 2) == "snapshot: bad magic (not a leakwatch snapshot)");
  CHECK(fails_with("{\"json\": true}", 2) == "snapshot: bad magic (not a leakwatch snapshot)");

  CHECK(fails_with(file.substr(0, 20), 2) == "snapshot: truncated header (20 bytes)");
  CHECK(fails_with(file.substr(0, file.size() - 3), 2) ==
        "snapshot: truncated payload (header says 18 bytes, file has 15)");
  CHECK(fails_with(file + "zz", 2) == "snapshot: 2 trailing bytes after the payload");

  for (std::size_t n = 0; n < file.size(); ++n) {  // no prefix is ever accepted
    CHECK_FALSE(store::open_snapshot(std::string_view(file).substr(0, n), 2).has_value());
  }
}

TEST_CASE("snapshot: write_file_atomically writes, replaces and leaves no temp", "[store]") {
  lw::testing::FakeRoot root;
  root.dir("state");
  const std::string path = (root / "state/store.snap").string();
  REQUIRE(store::write_file_atomically(path, "first version").has_value());
  REQUIRE(store::write_file_atomically(path, "second").has_value());
  const auto back = store::read_file(path, 1 << 20);
  REQUIRE(back.has_value());
  CHECK(*back == "second");
  CHECK(list_dir(root / "state") == std::vector<std::string>{"store.snap"});
  CHECK((std::filesystem::status(path).permissions() & std::filesystem::perms::others_read) ==
        std::filesystem::perms::none);
}

TEST_CASE("snapshot: write into a missing directory fails with kIo", "[store]") {
  lw::testing::FakeRoot root;
  const auto r = store::write_file_atomically((root / "missing/store.snap").string(), "x");
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().kind == ErrorKind::kIo);
  CHECK(r.error().detail.find("No such file or directory") != std::string::npos);
  CHECK(list_dir(root.path()).empty());
}

TEST_CASE("snapshot: a failed rename removes the temp file and keeps the target", "[store]") {
  lw::testing::FakeRoot root;
  root.file("state/store.snap/keep", "old");  // the target is a non-empty directory
  const std::string path = (root / "state/store.snap").string();
  const auto r = store::write_file_atomically(path, "new contents");
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().kind == ErrorKind::kIo);
  CHECK(r.error().detail.rfind("rename to ", 0) == 0);
  CHECK(list_dir(root / "state") == std::vector<std::string>{"store.snap"});
  CHECK(lw::testing::read_file(root / "state/store.snap/keep") == "old");
}

TEST_CASE("snapshot: read_file reports a missing file as gone and caps the size", "[store]") {
  lw::testing::FakeRoot root;
  const auto missing = store::read_file((root / "nope").string(), 1024);
  REQUIRE_FALSE(missing.has_value());
  CHECK(missing.error().kind == ErrorKind::kGone);
  root.file("big", std::string(20000, 'b'));
  const auto big = store::read_file((root / "big").string(), 4096);
  REQUIRE_FALSE(big.has_value());
  CHECK(big.error().kind == ErrorKind::kIo);
  const auto ok = store::read_file((root / "big").string(), 1 << 20);
  REQUIRE(ok.has_value());
  CHECK(ok->size() == 20000);
}
