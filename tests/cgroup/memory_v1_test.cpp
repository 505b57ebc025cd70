#include "cgroup/memory_v1.h"

#include <string>
#include <string_view>

#include <catch2/catch.hpp>

#include "base/text.h"
#include "support/fake_root.h"

using namespace lw;
using namespace lw::cgroup;

namespace {

// Captured from the v1 memory controller root of a Linux 6.18 x86_64 host (hybrid layout).
constexpr std::string_view kRootStat =
    "cache 9834496\n"
    "rss 7794688\n"
    "rss_huge 0\n"
    "shmem 9068544\n"
    "mapped_file 7491584\n"
    "dirty 16384\n"
    "writeback 0\n"
    "workingset_refault_anon 0\n"
    "workingset_refault_file 28\n"
    "swap 0\n"
    "swapcached 0\n"
    "pgpgin 34794\n"
    "pgpgout 30528\n"
    "pgfault 37300\n"
    "pgmajfault 0\n"
    "inactive_anon 0\n"
    "active_anon 1531904\n"
    "inactive_file 303104\n"
    "active_file 462848\n"
    "unevictable 15331328\n"
    "hierarchical_memory_limit 9223372036854771712\n"
    "hierarchical_memsw_limit 9223372036854771712\n"
    "total_cache 297684992\n"
    "total_rss 15130624\n"
    "total_rss_huge 0\n"
    "total_shmem 9068544\n"
    "total_mapped_file 10977280\n"
    "total_dirty 266240\n"
    "total_writeback 0\n"
    "total_workingset_refault_anon 0\n"
    "total_workingset_refault_file 9958\n"
    "total_swap 0\n"
    "total_swapcached 0\n"
    "total_pgpgin 1684508\n"
    "total_pgpgout 1616083\n"
    "total_pgfault 2289751\n"
    "total_pgmajfault 852\n"
    "total_inactive_anon 7221248\n"
    "total_active_anon 1585152\n"
    "total_inactive_file 108392448\n"
    "total_active_file 180224000\n"
    "total_unevictable 15331328\n";

constexpr std::string_view kLeaky = "v1/sys/fs/cgroup/memory/system.slice/leaky.service/";

std::string leaky(std::string_view file) {
  return testing::fixture(std::string(kLeaky) + std::string(file));
}

}  // namespace

TEST_CASE("v1 memory.stat: the total_* keys, captured from a 6.18 host", "[cgroup]") {
  const auto s = parse_v1_memory_stat(kRootStat);
  REQUIRE(s.has_value());
  CHECK(s->total_rss_bytes == 15130624u);
  CHECK(s->total_cache_bytes == 297684992u);
  CHECK(s->total_shmem_bytes == 9068544u);
  CHECK(s->total_swap_bytes == 0u);
  CHECK(s->total_inactive_file_bytes == 108392448u);
  CHECK(s->total_active_file_bytes == 180224000u);
  CHECK(s->total_mapped_file_bytes == 10977280u);
  CHECK(s->total_rss_huge_bytes == 0u);
  // The root's hierarchical limit is the "no limit" sentinel: present, and unlimited.
  REQUIRE(s->hierarchical_memory_limit.has_value());
  CHECK_FALSE(s->hierarchical_memory_limit->has_value());
}

TEST_CASE("v1 memory.stat: no fallback to the non-hierarchical keys", "[cgroup]") {
  // A 3.x kernel prints total_* too; a file without them must not borrow rss/cache, which
  // leave out the children.
  const auto s = parse_v1_memory_stat("cache 4096\nrss 8192\ninactive_file 4096\nswap 0\n");
  REQUIRE(s.has_value());
  CHECK_FALSE(s->total_rss_bytes.has_value());
  CHECK_FALSE(s->total_cache_bytes.has_value());
  CHECK_FALSE(s->total_inactive_file_bytes.has_value());
  CHECK_FALSE(s->total_swap_bytes.has_value());
  CHECK_FALSE(s->hierarchical_memory_limit.has_value());
}

TEST_CASE("v1 memory.stat: the fixture's hierarchical limit is a real limit", "[cgroup]") {
  const auto s = parse_v1_memory_stat(leaky("memory.stat"));
  REQUIRE(s.has_value());
  CHECK(s->total_rss_bytes == 734003200u);
  CHECK(s->total_cache_bytes == 52428800u);
  CHECK(s->total_inactive_file_bytes == 41943040u);
  REQUIRE(s->hierarchical_memory_limit.has_value());
  CHECK(*s->hierarchical_memory_limit == 1073741824u);
}

TEST_CASE("v1 memory.stat: malformed lines and truncation", "[cgroup]") {
  const std::string_view line =
      GENERATE("total_rss", "total_rss -1", "total_rss 1 2", "total_rss\t1", "total_cache 1M", "");
  const auto s = parse_v1_memory_stat("cache 1\n" + std::string(line) + "\nrss 1\n");
  REQUIRE_FALSE(s.has_value());
  CHECK(s.error().kind == ErrorKind::kMalformed);
  CHECK(s.error().detail == "memory.stat: bad line '" + text::sanitize_utf8(line) + "'");
  for (std::size_t n = 0; n <= kRootStat.size(); ++n) {
    CHECK_NOTHROW(parse_v1_memory_stat(kRootStat.substr(0, n)));
  }
}

TEST_CASE("v1 limits: the PAGE_COUNTER_MAX sentinel means no limit", "[cgroup]") {
  const auto x86 = parse_v1_limit("9223372036854771712\n");  // 4 KiB pages
  const auto arm64k = parse_v1_limit("9223372036854710272\n", "memory.memsw.limit_in_bytes");
  const auto threshold = parse_v1_limit("4611686018427387904\n");  // exactly 2^62
  REQUIRE(x86.has_value());
  REQUIRE(arm64k.has_value());
  REQUIRE(threshold.has_value());
  CHECK_FALSE(x86->has_value());
  CHECK_FALSE(arm64k->has_value());
  CHECK_FALSE(threshold->has_value());

  const auto below = parse_v1_limit("4611686018427387903\n");
  REQUIRE(below.has_value());
  CHECK(*below == 4611686018427387903u);
  const auto real = parse_v1_limit(leaky("memory.limit_in_bytes"));
  REQUIRE(real.has_value());
  CHECK(*real == 1073741824u);
}

TEST_CASE("v1 limits: 'max' is a v2 word and malformed here", "[cgroup]") {
  const std::string_view bad = GENERATE("max\n", "", "-1\n", "1 \n", "1G\n");
  const auto limit = parse_v1_limit(bad, "memory.memsw.limit_in_bytes");
  REQUIRE_FALSE(limit.has_value());
  CHECK(limit.error().kind == ErrorKind::kMalformed);
  CHECK(limit.error().detail.starts_with("memory.memsw.limit_in_bytes: bad value"));
}

TEST_CASE("v1 counters: usage, memsw usage, failcnt", "[cgroup]") {
  CHECK(*parse_v1_counter(leaky("memory.usage_in_bytes")) == 795082752u);
  CHECK(*parse_v1_counter(leaky("memory.memsw.usage_in_bytes"), "memory.memsw.usage_in_bytes") ==
        795082752u);
  CHECK(*parse_v1_counter(leaky("memory.failcnt"), "memory.failcnt") == 12u);
  const auto bad = parse_v1_counter("twelve\n", "memory.failcnt");
  REQUIRE_FALSE(bad.has_value());
  CHECK(bad.error().detail == "memory.failcnt: bad value 'twelve'");
}

TEST_CASE("v1 memory.oom_control: flags and the 4.13+ oom_kill counter", "[cgroup]") {
  const auto now = parse_oom_control("oom_kill_disable 0\nunder_oom 1\noom_kill 3\n");
  REQUIRE(now.has_value());
  CHECK_FALSE(now->oom_kill_disable);
  CHECK(now->under_oom);
  CHECK(now->oom_kill == 3u);

  // Before 4.13 there is no oom_kill line: absent, not zero.
  const auto old = parse_oom_control("oom_kill_disable 1\nunder_oom 0\n");
  REQUIRE(old.has_value());
  CHECK(old->oom_kill_disable);
  CHECK_FALSE(old->oom_kill.has_value());
}

TEST_CASE("v1 memory.oom_control: missing or non-boolean flags are malformed", "[cgroup]") {
  const std::string_view text =
      GENERATE("under_oom 0\noom_kill 0\n", "oom_kill_disable 0\n",
               "oom_kill_disable 2\nunder_oom 0\n", "oom_kill_disable 0\nunder_oom yes\n", "");
  const auto oom = parse_oom_control(text);
  REQUIRE_FALSE(oom.has_value());
  CHECK(oom.error().kind == ErrorKind::kMalformed);
  CHECK(oom.error().detail.starts_with("memory.oom_control: "));

  constexpr std::string_view kFull = "oom_kill_disable 0\nunder_oom 0\noom_kill 0\n";
  for (std::size_t n = 0; n <= kFull.size(); ++n) {
    CHECK_NOTHROW(parse_oom_control(kFull.substr(0, n)));
  }
}
