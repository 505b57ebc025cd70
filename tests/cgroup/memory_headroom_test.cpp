// The memory.stat keys behind headroom (README "Headroom"), one fixture per term: each
// tests/fixtures/headroom/<v>/.../headroom.slice/<term>.service differs from base.service in that
// term alone, by 16 MiB, so each check names the key it reads.

#include <cstdint>
#include <optional>
#include <string>

#include <catch2/catch.hpp>

#include "cgroup/memory.h"
#include "cgroup/memory_v1.h"
#include "support/fake_root.h"

using namespace lw;
using namespace lw::cgroup;

namespace {

constexpr std::uint64_t kMiB = std::uint64_t{1} << 20;
constexpr std::uint64_t kDelta = 16 * kMiB;

MemoryStat v2_stat(const std::string& term) {
  const auto s = parse_memory_stat(testing::fixture("headroom/v2/sys/fs/cgroup/headroom.slice/" +
                                                    term + ".service/memory.stat"));
  REQUIRE(s.has_value());
  return *s;
}

V1MemoryStat v1_stat(const std::string& term) {
  const auto s = parse_v1_memory_stat(testing::fixture(
      "headroom/v1/sys/fs/cgroup/memory/headroom.slice/" + term + ".service/memory.stat"));
  REQUIRE(s.has_value());
  return *s;
}

}  // namespace

TEST_CASE("v2 memory.stat headroom terms: the base fixture", "[cgroup][headroom]") {
  const MemoryStat s = v2_stat("base");
  CHECK(s.active_file_bytes == 60 * kMiB);
  CHECK(s.inactive_file_bytes == 100 * kMiB);
  CHECK(s.slab_reclaimable_bytes == 10 * kMiB);
  CHECK(s.file_dirty_bytes == 4 * kMiB);
  CHECK(s.file_writeback_bytes == 1 * kMiB);
}

TEST_CASE("v2 memory.stat headroom terms: active_file", "[cgroup][headroom]") {
  CHECK(v2_stat("active_file").active_file_bytes == 60 * kMiB + kDelta);
}

TEST_CASE("v2 memory.stat headroom terms: inactive_file", "[cgroup][headroom]") {
  CHECK(v2_stat("inactive_file").inactive_file_bytes == 100 * kMiB + kDelta);
}

TEST_CASE("v2 memory.stat headroom terms: slab_reclaimable", "[cgroup][headroom]") {
  CHECK(v2_stat("slab_reclaimable").slab_reclaimable_bytes == 10 * kMiB + kDelta);
}

TEST_CASE("v2 memory.stat headroom terms: file_dirty", "[cgroup][headroom]") {
  CHECK(v2_stat("file_dirty").file_dirty_bytes == 4 * kMiB + kDelta);
}

TEST_CASE("v2 memory.stat headroom terms: file_writeback", "[cgroup][headroom]") {
  CHECK(v2_stat("file_writeback").file_writeback_bytes == 1 * kMiB + kDelta);
}

TEST_CASE("v2 memory.stat headroom terms: kernels without them leave them absent",
          "[cgroup][headroom]") {
  // 4.13 printed neither slab_reclaimable nor file_dirty/file_writeback under these names.
  const auto s = parse_memory_stat("anon 1\nfile 2\nactive_file 1\ninactive_file 1\n");
  REQUIRE(s.has_value());
  CHECK_FALSE(s->slab_reclaimable_bytes.has_value());
  CHECK_FALSE(s->file_dirty_bytes.has_value());
  CHECK_FALSE(s->file_writeback_bytes.has_value());
}

TEST_CASE("v1 memory.stat headroom terms: the base fixture", "[cgroup][headroom]") {
  const V1MemoryStat s = v1_stat("base");
  CHECK(s.total_rss_bytes == 400 * kMiB);
  CHECK(s.total_cache_bytes == 200 * kMiB);
  CHECK(s.total_active_file_bytes == 60 * kMiB);
  CHECK(s.total_inactive_file_bytes == 100 * kMiB);
  CHECK(s.total_dirty_bytes == 4 * kMiB);
  CHECK(s.total_writeback_bytes == 1 * kMiB);
  CHECK(s.total_swap_bytes == 0u);
}

TEST_CASE("v1 memory.stat headroom terms: total_rss", "[cgroup][headroom]") {
  CHECK(v1_stat("rss").total_rss_bytes == 400 * kMiB + kDelta);
}

TEST_CASE("v1 memory.stat headroom terms: total_cache", "[cgroup][headroom]") {
  CHECK(v1_stat("cache").total_cache_bytes == 200 * kMiB + kDelta);
}

TEST_CASE("v1 memory.stat headroom terms: total_active_file", "[cgroup][headroom]") {
  CHECK(v1_stat("active_file").total_active_file_bytes == 60 * kMiB + kDelta);
}

TEST_CASE("v1 memory.stat headroom terms: total_inactive_file", "[cgroup][headroom]") {
  CHECK(v1_stat("inactive_file").total_inactive_file_bytes == 100 * kMiB + kDelta);
}

TEST_CASE("v1 memory.stat headroom terms: total_dirty", "[cgroup][headroom]") {
  CHECK(v1_stat("dirty").total_dirty_bytes == 4 * kMiB + kDelta);
}

TEST_CASE("v1 memory.stat headroom terms: total_writeback", "[cgroup][headroom]") {
  CHECK(v1_stat("writeback").total_writeback_bytes == 1 * kMiB + kDelta);
}

TEST_CASE("v1 memory.stat headroom terms: total_swap", "[cgroup][headroom]") {
  CHECK(v1_stat("swap").total_swap_bytes == kDelta);
}

TEST_CASE("v1 memory.stat headroom terms: the non-total dirty/writeback are not used",
          "[cgroup][headroom]") {
  const auto s = parse_v1_memory_stat("dirty 4096\nwriteback 4096\n");
  REQUIRE(s.has_value());
  CHECK_FALSE(s->total_dirty_bytes.has_value());
  CHECK_FALSE(s->total_writeback_bytes.has_value());
}
