// Unreclaimable memory (README "Headroom") from the checked-in fixture trees, one case per term:
// tests/fixtures/headroom/<v>/.../headroom.slice/<term>.service differs from base.service in that
// term alone, by 16 MiB; the sampler must carry it to CgroupSample::unreclaimable_bytes() with the
// formula's sign.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <catch2/catch.hpp>

#include "model/snapshot.h"
#include "scan/cgroup_sampler.h"

using namespace lw;
using namespace lw::scan;

namespace {

constexpr std::uint64_t kMiB = std::uint64_t{1} << 20;
constexpr std::uint64_t kDelta = 16 * kMiB;
// v2 base: memory.current 600 - active_file 60 - inactive_file 100 - slab_reclaimable 10
//          + file_dirty 4 + file_writeback 1 (+ swap.current 0) MiB.
constexpr std::uint64_t kV2Base = 435 * kMiB;
// v1 base: total_rss 400 + total_cache 200 (+ total_swap 0) - total_active_file 60
//          - total_inactive_file 100 + total_dirty 4 + total_writeback 1 MiB.
constexpr std::uint64_t kV1Base = 445 * kMiB;

std::vector<model::CgroupSample> sample_tree(std::string_view version) {
  const std::string tree = std::string(LW_FIXTURES_DIR) + "/headroom/" + std::string(version);
  CgroupSampler sampler(tree + "/proc", tree + "/sys");
  REQUIRE(sampler.discover().has_value());
  model::ScanStats stats;
  auto samples = sampler.sample(8, stats);
  CHECK(stats.cgroup_errors == 0);
  return samples;
}

const model::CgroupSample& term(const std::vector<model::CgroupSample>& samples,
                                const std::string& name) {
  const std::string path = "/headroom.slice/" + name + ".service";
  for (const auto& s : samples) {
    if (s.path == path) {
      return s;
    }
  }
  FAIL("no sample for " << path);
  throw std::logic_error("unreachable");
}

std::uint64_t unreclaimable(const std::vector<model::CgroupSample>& samples,
                            const std::string& name) {
  const auto u = term(samples, name).unreclaimable_bytes();
  REQUIRE(u.has_value());
  return *u;
}

}  // namespace

TEST_CASE("headroom v2: the base fixture and each term", "[scan][cgroup][headroom]") {
  const auto samples = sample_tree("v2");
  const model::CgroupSample& base = term(samples, "base");
  CHECK(base.version == model::CgroupVersion::kV2);
  CHECK(base.charged_bytes() == 600 * kMiB);  // memory.current
  CHECK(unreclaimable(samples, "base") == kV2Base);

  SECTION("memory.current adds") {
    CHECK(unreclaimable(samples, "current") == kV2Base + kDelta);
  }
  SECTION("active_file is reclaimable") {
    CHECK(term(samples, "active_file").active_file_bytes == 76 * kMiB);
    CHECK(unreclaimable(samples, "active_file") == kV2Base - kDelta);
  }
  SECTION("inactive_file is reclaimable") {
    CHECK(unreclaimable(samples, "inactive_file") == kV2Base - kDelta);
  }
  SECTION("slab_reclaimable is reclaimable") {
    CHECK(term(samples, "slab_reclaimable").slab_reclaimable_bytes == 26 * kMiB);
    CHECK(unreclaimable(samples, "slab_reclaimable") == kV2Base - kDelta);
  }
  SECTION("file_dirty must be written first") {
    CHECK(term(samples, "file_dirty").dirty_bytes == 20 * kMiB);
    CHECK(unreclaimable(samples, "file_dirty") == kV2Base + kDelta);
  }
  SECTION("file_writeback is being written") {
    CHECK(term(samples, "file_writeback").writeback_bytes == 17 * kMiB);
    CHECK(unreclaimable(samples, "file_writeback") == kV2Base + kDelta);
  }
  SECTION("memory.swap.current stays charged") {
    CHECK(term(samples, "swap").swap_bytes == kDelta);
    CHECK(unreclaimable(samples, "swap") == kV2Base + kDelta);
  }
  SECTION("memory.high and memory.swap.max are read") {
    CHECK(term(samples, "high").high_bytes == 512 * kMiB);
    CHECK(term(samples, "swap_max").swap_limit_bytes == 64 * kMiB);
  }
}

TEST_CASE("headroom v1: the base fixture and each term", "[scan][cgroup][headroom]") {
  const auto samples = sample_tree("v1");
  const model::CgroupSample& base = term(samples, "base");
  CHECK(base.version == model::CgroupVersion::kV1);
  // total_rss + total_cache, not the fuzzy usage_in_bytes (3 MiB more in the fixture).
  CHECK(base.charged_bytes() == 600 * kMiB);
  CHECK(base.usage_bytes == 603 * kMiB);
  CHECK(unreclaimable(samples, "base") == kV1Base);

  SECTION("total_rss adds") {
    CHECK(unreclaimable(samples, "rss") == kV1Base + kDelta);
  }
  SECTION("total_cache beyond the file lists (shmem, tmpfs) adds") {
    CHECK(unreclaimable(samples, "cache") == kV1Base + kDelta);
  }
  SECTION("total_active_file is reclaimable") {
    CHECK(term(samples, "active_file").active_file_bytes == 76 * kMiB);
    CHECK(unreclaimable(samples, "active_file") == kV1Base - kDelta);
  }
  SECTION("total_inactive_file is reclaimable") {
    CHECK(unreclaimable(samples, "inactive_file") == kV1Base - kDelta);
  }
  SECTION("total_dirty must be written first") {
    CHECK(term(samples, "dirty").dirty_bytes == 20 * kMiB);
    CHECK(unreclaimable(samples, "dirty") == kV1Base + kDelta);
  }
  SECTION("total_writeback is being written") {
    CHECK(term(samples, "writeback").writeback_bytes == 17 * kMiB);
    CHECK(unreclaimable(samples, "writeback") == kV1Base + kDelta);
  }
  SECTION("total_swap stays charged") {
    CHECK(unreclaimable(samples, "swap") == kV1Base + kDelta);
  }
  SECTION("memory.memsw.limit_in_bytes is read") {
    CHECK(term(samples, "memsw").swap_limit_bytes == 1088 * kMiB);
  }
}

TEST_CASE("headroom: dirty pages beyond the file lists never make memory negative",
          "[scan][cgroup][headroom]") {
  model::CgroupSample c;
  c.version = model::CgroupVersion::kV2;
  c.usage_bytes = 100 * kMiB;
  c.active_file_bytes = 10 * kMiB;
  c.inactive_file_bytes = 10 * kMiB;
  c.dirty_bytes = 50 * kMiB;  // more than the lists hold (racy reads): capped at them
  CHECK(c.unreclaimable_bytes() == 100 * kMiB);
  c.dirty_bytes.reset();
  c.slab_reclaimable_bytes = 200 * kMiB;  // more than usage: zero, not a wrap-around
  CHECK(c.unreclaimable_bytes() == 0u);
  c.usage_bytes.reset();
  CHECK_FALSE(c.unreclaimable_bytes().has_value());
}
