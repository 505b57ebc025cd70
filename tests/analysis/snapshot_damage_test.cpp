// A damaged history snapshot (truncated, flipped bytes, trailing bytes, foreign version, bad
// magic) fails cleanly and leaves the history untouched; the payload decoder never crashes.

#include <cstddef>
#include <string>
#include <string_view>

#include <catch2/catch.hpp>

#include "analysis/snapshot_workload.h"
#include "store/series_snapshot.h"
#include "store/snapshot_file.h"

namespace lw::analysis {
namespace {

using store::kStoreFormatVersion;

// The payload of a sealed file, resealed after `edit`: exercises the payload decoder rather than
// the container's CRC.
std::string reseal(std::string_view file, std::size_t keep) {
  return store::seal_snapshot(kStoreFormatVersion, file.substr(store::kSnapshotHeaderBytes, keep));
}

TEST_CASE("history snapshot: damage fails cleanly and leaves the history untouched", "[analysis]") {
  const std::string file = serialize_store(build_history(40), kBoot);
  SeriesStore target = build_history(5);
  const std::string untouched = serialize_store(target);
  const auto attempt = [&](std::string_view bytes) {
    const Status st = restore_store(target, bytes, kSteady0, kWall0, all_running);
    if (!st) {
      CHECK(st.error().kind == ErrorKind::kMalformed);
    }
    return st.has_value();
  };

  SECTION("every truncation of the file") {
    for (std::size_t n = 0; n < file.size(); ++n) {
      INFO("length " << n);
      CHECK_FALSE(attempt(std::string_view(file).substr(0, n)));
    }
  }
  SECTION("every truncation of the payload, resealed with a valid CRC") {
    const std::size_t payload = file.size() - store::kSnapshotHeaderBytes;
    for (std::size_t n = 0; n < payload; ++n) {
      INFO("payload length " << n);
      CHECK_FALSE(attempt(reseal(file, n)));
    }
  }
  SECTION("every flipped byte of the file") {
    for (std::size_t i = 0; i < file.size(); ++i) {
      std::string bad = file;
      bad[i] = static_cast<char>(bad[i] ^ 0x01);
      INFO("byte " << i);
      CHECK_FALSE(attempt(bad));
    }
  }
  SECTION("trailing bytes after the payload, resealed") {
    std::string payload = file.substr(store::kSnapshotHeaderBytes);
    payload.push_back('\0');
    const Status st = restore_store(target, store::seal_snapshot(kStoreFormatVersion, payload),
                                    kSteady0, kWall0, all_running);
    REQUIRE_FALSE(st);
    CHECK(st.error().detail == "history snapshot: 1 bytes after the last entry");
  }
  SECTION("foreign version, bad magic, empty") {
    const std::string payload = file.substr(store::kSnapshotHeaderBytes);
    const Status v2 = restore_store(target, store::seal_snapshot(kStoreFormatVersion + 1, payload),
                                    kSteady0, kWall0, all_running);
    REQUIRE_FALSE(v2);
    CHECK(v2.error().detail.find("foreign version " + std::to_string(kStoreFormatVersion + 1)) !=
          std::string::npos);
    const Status junk =
        restore_store(target, "garbage, not a snapshot", kSteady0, kWall0, all_running);
    REQUIRE_FALSE(junk);
    CHECK(junk.error().detail.find("bad magic") != std::string::npos);
    CHECK_FALSE(restore_store(target, "", kSteady0, kWall0, all_running));
  }
  CHECK(serialize_store(target) == untouched);
}

TEST_CASE("history snapshot: flipped payload bytes never crash the decoder", "[analysis]") {
  // Bytes changed before the CRC was computed (a bug, or a hand-edited file): the decoder alone
  // must cope. A changed sample value may still decode, then it is simply restored.
  const std::string file = serialize_store(build_history(20), kBoot);
  const std::string payload = file.substr(store::kSnapshotHeaderBytes);
  SeriesStore target = build_history(2);
  const std::string untouched = serialize_store(target);
  const auto now = newest(target);  // restoring `untouched` at its own time is the identity
  std::size_t failed = 0;
  for (std::size_t i = 0; i < payload.size(); ++i) {
    for (const unsigned mask : {0x01U, 0xFFU}) {
      std::string bad = payload;
      bad[i] = static_cast<char>(static_cast<unsigned char>(bad[i]) ^ mask);
      const Status st = restore_store(target, store::seal_snapshot(kStoreFormatVersion, bad),
                                      now.steady_ms, now.wall_ms, all_running);
      if (!st) {
        ++failed;
        CHECK(serialize_store(target) == untouched);
      } else {  // decoded into something: put the target back for the next attempt
        REQUIRE(restore_store(target, untouched, now.steady_ms, now.wall_ms, all_running));
        REQUIRE(serialize_store(target) == untouched);
      }
    }
  }
  CHECK(failed > payload.size());  // most damage is detected (series chunks are self-checking)
  CHECK(serialize_store(target) == untouched);
}

}  // namespace
}  // namespace lw::analysis
