#include "cgroup/memory.h"

#include <string>
#include <string_view>

#include <catch2/catch.hpp>

#include "base/text.h"
#include "support/fake_root.h"

using namespace lw;
using namespace lw::cgroup;

namespace {

constexpr std::string_view kLeaky = "v2/sys/fs/cgroup/system.slice/leaky.service/";

std::string leaky(std::string_view file) {
  return testing::fixture(std::string(kLeaky) + std::string(file));
}

// The head of a 6.1 memory.stat, in the kernel's order (mm/memcontrol.c memory_stats[]).
constexpr std::string_view kStat =
    "anon 734003200\n"
    "file 52428800\n"
    "kernel 8650752\n"
    "kernel_stack 327680\n"
    "pagetables 2095712\n"
    "percpu 1440\n"
    "sock 4096\n"
    "vmalloc 0\n"
    "shmem 1048576\n"
    "file_mapped 8388608\n"
    "file_dirty 135168\n"
    "file_writeback 0\n"
    "swapcached 0\n"
    "anon_thp 4194304\n"
    "file_thp 0\n"
    "shmem_thp 0\n"
    "inactive_anon 731906048\n"
    "active_anon 2097152\n"
    "inactive_file 41943040\n"
    "active_file 10485760\n"
    "unevictable 0\n"
    "slab_reclaimable 4149248\n"
    "slab_unreclaimable 2076672\n"
    "slab 6225920\n"
    "workingset_refault_anon 0\n"
    "pgfault 1932114\n"
    "thp_fault_alloc 2\n";

}  // namespace

TEST_CASE("memory.current: one u64 and a newline", "[cgroup]") {
  const auto current = parse_memory_current(leaky("memory.current"));
  REQUIRE(current.has_value());
  CHECK(*current == 795082752u);
  CHECK(*parse_memory_current("0\n") == 0u);
  CHECK(*parse_memory_current("18446744073709551615") == 18446744073709551615u);
}

TEST_CASE("memory.current: anything else is malformed and names the file", "[cgroup]") {
  const std::string_view bad = GENERATE("", "\n", "max\n", "-1\n", "12 \n", " 12\n", "12\n\n",
                                        "12 kB\n", "1.5\n", "18446744073709551616\n");
  const auto current = parse_memory_current(bad, "memory.swap.current");
  REQUIRE_FALSE(current.has_value());
  CHECK(current.error().kind == ErrorKind::kMalformed);
  CHECK(current.error().detail.starts_with("memory.swap.current: bad value '"));
}

TEST_CASE("memory.max and memory.high: 'max' means unlimited", "[cgroup]") {
  const auto max = parse_memory_limit(leaky("memory.max"));
  const auto high = parse_memory_limit(leaky("memory.high"), "memory.high");
  REQUIRE(max.has_value());
  REQUIRE(high.has_value());
  CHECK(*max == 1073741824u);
  CHECK_FALSE(high->has_value());
  // A limit of 0 is a real limit, not "absent".
  const auto zero = parse_memory_limit("0\n");
  REQUIRE(zero.has_value());
  CHECK(*zero == 0u);
}

TEST_CASE("memory.max: garbage is malformed, never unlimited or zero", "[cgroup]") {
  const std::string_view bad = GENERATE("", "\n", "MAX\n", "max \n", "maximum\n", "1G\n", "-1\n",
                                        "9223372036854775807 \n", "99999999999999999999\n");
  const auto limit = parse_memory_limit(bad, "memory.high");
  REQUIRE_FALSE(limit.has_value());
  CHECK(limit.error().kind == ErrorKind::kMalformed);
  CHECK(limit.error().detail.starts_with("memory.high: bad value"));
}

TEST_CASE("memory.stat: keeps the keys we use, in bytes", "[cgroup]") {
  const auto s = parse_memory_stat(kStat);
  REQUIRE(s.has_value());
  CHECK(s->anon_bytes == 734003200u);
  CHECK(s->file_bytes == 52428800u);
  CHECK(s->kernel_bytes == 8650752u);
  CHECK(s->sock_bytes == 4096u);
  CHECK(s->shmem_bytes == 1048576u);
  CHECK(s->anon_thp_bytes == 4194304u);
  CHECK(s->inactive_file_bytes == 41943040u);
  CHECK(s->active_file_bytes == 10485760u);
  CHECK(s->file_mapped_bytes == 8388608u);
}

TEST_CASE("memory.stat: the checked-in 6.x fixture parses", "[cgroup]") {
  const auto s = parse_memory_stat(leaky("memory.stat"));
  REQUIRE(s.has_value());
  CHECK(s->anon_bytes == 734003200u);
  CHECK(s->inactive_file_bytes == 41943040u);
  CHECK(s->kernel_bytes == 8650752u);
}

TEST_CASE("memory.stat: keys an older kernel lacks are absent, not zero", "[cgroup]") {
  // 5.10 has no "kernel" line; a zero is a reading, absence is not.
  const auto s = parse_memory_stat("anon 4096\nfile 0\nkernel_stack 16384\nsock 0\n");
  REQUIRE(s.has_value());
  CHECK(s->anon_bytes == 4096u);
  CHECK(s->file_bytes == 0u);
  CHECK_FALSE(s->kernel_bytes.has_value());
  CHECK_FALSE(s->inactive_file_bytes.has_value());
  const auto empty = parse_memory_stat("");
  REQUIRE(empty.has_value());
  CHECK_FALSE(empty->anon_bytes.has_value());
}

TEST_CASE("memory.stat: a line that is not '<key> <u64>' is an error", "[cgroup]") {
  const auto s = parse_memory_stat("anon 1\nfile lots\n");
  REQUIRE_FALSE(s.has_value());
  CHECK(s.error().kind == ErrorKind::kMalformed);
  CHECK(s.error().detail == "memory.stat: bad line 'file lots'");

  // Unknown keys must have the right shape too: garbage is garbage wherever it is.
  const std::string_view line =
      GENERATE("anon", "anon ", " 5", "anon\t5", "anon  5", "anon 5 6", "anon -5", "anon +5",
               "anon 5kB", "pgfault 1.5", "", "anon 99999999999999999999");
  const auto bad = parse_memory_stat("file 1\n" + std::string(line) + "\nshmem 2\n");
  REQUIRE_FALSE(bad.has_value());
  CHECK(bad.error().kind == ErrorKind::kMalformed);
  CHECK(bad.error().detail == "memory.stat: bad line '" + text::sanitize_utf8(line) + "'");
}

TEST_CASE("memory.stat: the error detail is sanitised and capped", "[cgroup]") {
  // Control characters cannot reach a log line or label through the detail.
  const auto tab = parse_memory_stat("anon\t5\n");
  REQUIRE_FALSE(tab.has_value());
  CHECK(tab.error().detail == "memory.stat: bad line 'anon?5'");
  const auto long_line = parse_memory_stat(std::string(500, 'x') + "\n");
  REQUIRE_FALSE(long_line.has_value());
  CHECK(long_line.error().detail == "memory.stat: bad line '" + std::string(80, 'x') + "'");
}

TEST_CASE("memory.stat: truncated input never throws", "[cgroup]") {
  for (std::size_t n = 0; n <= kStat.size(); ++n) {
    CHECK_NOTHROW(parse_memory_stat(kStat.substr(0, n)));
  }
}

TEST_CASE("memory.events: every counter, each optional", "[cgroup]") {
  const auto e = parse_memory_events(leaky("memory.events"));
  REQUIRE(e.has_value());
  CHECK(e->low == 0u);
  CHECK(e->high == 0u);
  CHECK(e->max == 12u);
  CHECK(e->oom == 0u);
  CHECK(e->oom_kill == 0u);
  CHECK(e->oom_group_kill == 0u);

  // 5.4 has no oom_group_kill.
  const auto old = parse_memory_events("low 0\nhigh 3\nmax 7\noom 2\noom_kill 1\n");
  REQUIRE(old.has_value());
  CHECK(old->oom == 2u);
  CHECK(old->oom_kill == 1u);
  CHECK_FALSE(old->oom_group_kill.has_value());
}

TEST_CASE("memory.events: malformed and truncated", "[cgroup]") {
  const auto e = parse_memory_events("low 0\noom_kill x\n", "memory.events.local");
  REQUIRE_FALSE(e.has_value());
  CHECK(e.error().detail == "memory.events.local: bad line 'oom_kill x'");
  constexpr std::string_view kEvents =
      "low 0\nhigh 0\nmax 12\noom 1\noom_kill 1\noom_group_kill 0\n";
  for (std::size_t n = 0; n <= kEvents.size(); ++n) {
    CHECK_NOTHROW(parse_memory_events(kEvents.substr(0, n)));
  }
}
