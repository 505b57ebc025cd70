#include "procfs/smaps_rollup.h"

#include <string>
#include <string_view>

#include <catch2/catch.hpp>

#include "support/fake_root.h"

using namespace lw;
using namespace lw::procfs;

namespace {

// A 5.4 kernel: no Pss_Anon/Pss_File/Pss_Shmem (5.9+) and no Pss_Dirty (6.0+).
constexpr std::string_view kOldKernel =
    "5589a1b2c000-7ffc3e9f1000 ---p 00000000 00:00 0                          [rollup]\n"
    "Rss:              204800 kB\n"
    "Pss:              150000 kB\n"
    "Shared_Clean:      40000 kB\n"
    "Shared_Dirty:       1000 kB\n"
    "Private_Clean:     12000 kB\n"
    "Private_Dirty:    151800 kB\n"
    "Referenced:       200000 kB\n"
    "Anonymous:        150000 kB\n"
    "LazyFree:              0 kB\n"
    "AnonHugePages:     63488 kB\n"
    "Swap:               2048 kB\n"
    "SwapPss:            1024 kB\n"
    "Locked:                0 kB\n";

}  // namespace

TEST_CASE("smaps_rollup: real file captured on 6.18", "[procfs][smaps]") {
  const auto s = parse_smaps_rollup(testing::fixture("proc/5654/smaps_rollup"));
  REQUIRE(s.has_value());
  CHECK(s->rss_bytes == 1796u * 1024);
  CHECK(s->pss_bytes == 359u * 1024);
  CHECK(s->pss_anon_bytes == 108u * 1024);
  CHECK(s->pss_file_bytes == 251u * 1024);
  CHECK(s->pss_shmem_bytes == 0u);
  CHECK(s->private_clean_bytes == 36u * 1024);
  CHECK(s->private_dirty_bytes == 108u * 1024);
  CHECK(s->uss_bytes() == 144u * 1024);
  CHECK(s->swap_bytes == 0u);
  CHECK(s->swap_pss_bytes == 0u);
  CHECK(s->anon_huge_pages_bytes == 0u);
}

TEST_CASE("smaps_rollup: fields missing on older kernels stay absent", "[procfs][smaps]") {
  const auto s = parse_smaps_rollup(kOldKernel);
  REQUIRE(s.has_value());
  CHECK(s->rss_bytes == 204800u * 1024);
  CHECK(s->pss_bytes == 150000u * 1024);
  CHECK_FALSE(s->pss_anon_bytes.has_value());
  CHECK_FALSE(s->pss_file_bytes.has_value());
  CHECK_FALSE(s->pss_shmem_bytes.has_value());
  CHECK(s->uss_bytes() == (12000u + 151800u) * 1024);
  CHECK(s->swap_bytes == 2048u * 1024);
  CHECK(s->swap_pss_bytes == 1024u * 1024);
  CHECK(s->anon_huge_pages_bytes == 63488u * 1024);
}

TEST_CASE("smaps_rollup: an empty file means every field is absent", "[procfs][smaps]") {
  const std::string_view text = GENERATE("", "\n");
  const auto s = parse_smaps_rollup(text);
  REQUIRE(s.has_value());
  CHECK_FALSE(s->rss_bytes.has_value());
  CHECK_FALSE(s->uss_bytes().has_value());
}

TEST_CASE("smaps_rollup: a bad value on a known key is an error", "[procfs][smaps]") {
  using Case = std::pair<std::string_view, std::string_view>;
  const Case c = GENERATE(Case{"Rss:   12 MB\n", "Rss"}, Case{"Pss:\t\n", "Pss"},
                          Case{"Private_Dirty:   -1 kB\n", "Private_Dirty"},
                          Case{"SwapPss:  1 kB 2\n", "SwapPss"}, Case{"Swap: x kB\n", "Swap"});
  const auto s = parse_smaps_rollup(std::string(kOldKernel.substr(0, kOldKernel.find('\n') + 1)) +
                                    std::string(c.first));
  REQUIRE_FALSE(s.has_value());
  CHECK(s.error().kind == ErrorKind::kMalformed);
  CHECK(s.error().detail == "smaps_rollup: bad value for " + std::string(c.second));
}

TEST_CASE("smaps_rollup: text without the [rollup] header is not this file", "[procfs][smaps]") {
  const std::string_view text =
      GENERATE("Rss:  1 kB\n", "00400000-00452000 r-xp 00000000 08:02 173521 /bin/x\n");
  const auto s = parse_smaps_rollup(text);
  REQUIRE_FALSE(s.has_value());
  CHECK(s.error().detail == "smaps_rollup: no [rollup] header");
}

TEST_CASE("smaps_rollup: truncated input never throws", "[procfs][smaps]") {
  const std::string real = testing::fixture("proc/5654/smaps_rollup");
  for (const std::string_view text : {kOldKernel, std::string_view(real)}) {
    for (std::size_t n = 0; n <= text.size(); ++n) {
      CHECK_NOTHROW(parse_smaps_rollup(text.substr(0, n)));
    }
  }
}
