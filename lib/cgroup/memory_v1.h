#pragma once

// cgroup v1 memory controller files. Format and meaning: Documentation/admin-guide/cgroup-v1/
// memory.rst ("5. Misc. interfaces", "5.2 stat file", "10. OOM Control"). Values are bytes.
// Unlike v2, the root cgroup has every one of these files.

#include <cstdint>
#include <optional>
#include <string_view>

#include "base/result.h"
#include "cgroup/memory.h"

namespace lw::cgroup {

// A v1 limit this large means "no limit". The kernel keeps limits in pages and prints
// PAGE_COUNTER_MAX * PAGE_SIZE when none is set: 9223372036854771712 (LONG_MAX rounded down to a
// 4 KiB page) on x86_64, 9223372036854710272 with 64 KiB pages. No real limit comes near 2^62
// bytes (4 EiB), so everything at or above it is "unlimited" on every page size.
inline constexpr std::uint64_t kV1UnlimitedThreshold = std::uint64_t{1} << 62;

// memory.usage_in_bytes, memory.memsw.usage_in_bytes, memory.failcnt: one u64 and a newline.
Result<std::uint64_t> parse_v1_counter(std::string_view text,
                                       std::string_view file = "memory.usage_in_bytes");

// memory.limit_in_bytes, memory.memsw.limit_in_bytes: a u64; >= kV1UnlimitedThreshold is nullopt.
// v1 has no "max" keyword, so "max" is kMalformed here.
Result<MemoryLimit> parse_v1_limit(std::string_view text,
                                   std::string_view file = "memory.limit_in_bytes");

// The hierarchical ("total_") keys of v1 memory.stat. The non-total keys (rss, cache, ...) count
// only this cgroup's own pages, not its children's, so they are deliberately NOT used as a
// fallback: a parent would look empty. total_swap needs swap accounting (CONFIG_MEMCG_SWAP and
// swapaccount=1) and total_shmem is missing on older kernels: both are nullopt when absent.
struct V1MemoryStat {
  std::optional<std::uint64_t> total_rss_bytes;    // anonymous and swap cache
  std::optional<std::uint64_t> total_cache_bytes;  // page cache, including tmpfs (shmem)
  std::optional<std::uint64_t> total_shmem_bytes;
  std::optional<std::uint64_t> total_swap_bytes;
  std::optional<std::uint64_t> total_inactive_file_bytes;
  std::optional<std::uint64_t> total_active_file_bytes;
  std::optional<std::uint64_t> total_mapped_file_bytes;
  std::optional<std::uint64_t> total_rss_huge_bytes;   // anonymous transparent huge pages
  std::optional<std::uint64_t> total_dirty_bytes;      // file pages waiting to be written
  std::optional<std::uint64_t> total_writeback_bytes;  // file pages being written
  // Outer optional: the key was printed. Inner MemoryLimit: nullopt = unlimited (same threshold
  // as parse_v1_limit). This is the tightest limit of the cgroup and its ancestors.
  std::optional<MemoryLimit> hierarchical_memory_limit;
  std::optional<MemoryLimit> hierarchical_memsw_limit;
};

// Unknown keys are ignored; any line that is not "<key> <u64>" is kMalformed
// "memory.stat: bad line '<line>'".
Result<V1MemoryStat> parse_v1_memory_stat(std::string_view text);

// memory.oom_control. oom_kill_disable and under_oom are 0/1 and always printed (kMalformed when
// missing or not 0/1); the oom_kill counter exists only since 4.13.
struct OomControl {
  bool oom_kill_disable = false;
  bool under_oom = false;
  std::optional<std::uint64_t> oom_kill;
};

Result<OomControl> parse_oom_control(std::string_view text);

}  // namespace lw::cgroup
