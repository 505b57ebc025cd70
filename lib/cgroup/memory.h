#pragma once

// cgroup v2 memory controller files. Format and meaning: Documentation/admin-guide/cgroup-v2.rst,
// "Memory Interface Files". Every value is in bytes except the event counters. None of these
// files exist in the root cgroup except memory.stat (and memory.pressure): the kernel marks them
// CFTYPE_NOT_ON_ROOT, so the sampler reads them as optional there.

#include <cstdint>
#include <optional>
#include <string_view>

#include "base/result.h"

namespace lw::cgroup {

// memory.max / memory.high / memory.swap.max (and memory.low/min): "max\n" or a byte count.
// nullopt means "max": no limit.
using MemoryLimit = std::optional<std::uint64_t>;

// memory.current, memory.swap.current, memory.peak: one u64 and a newline. `file` names the file
// in the error detail ("<file>: bad value '...'").
Result<std::uint64_t> parse_memory_current(std::string_view text,
                                           std::string_view file = "memory.current");

// memory.max and friends. Anything but "max" or a whole u64 is kMalformed.
Result<MemoryLimit> parse_memory_limit(std::string_view text, std::string_view file = "memory.max");

// The memory.stat keys we keep (flat keyed, bytes). nullopt when the kernel does not print the key:
// anon/file/shmem/file_mapped/active_file/inactive_file/sock since 4.5-4.6, anon_thp since 4.8,
// kernel (all kernel memory: stacks, slab, page tables, ...) only since 5.18; slab_reclaimable
// since 4.14 (before it, "slab_reclaimable" was absent and reclaimable slab is not subtracted);
// file_dirty and file_writeback since 4.7. The headroom terms (analysis/headroom.h) use
// active_file, inactive_file, slab_reclaimable, file_dirty and file_writeback.
struct MemoryStat {
  std::optional<std::uint64_t> anon_bytes;
  std::optional<std::uint64_t> file_bytes;
  std::optional<std::uint64_t> kernel_bytes;
  std::optional<std::uint64_t> sock_bytes;
  std::optional<std::uint64_t> shmem_bytes;
  std::optional<std::uint64_t> anon_thp_bytes;
  std::optional<std::uint64_t> inactive_file_bytes;
  std::optional<std::uint64_t> active_file_bytes;
  std::optional<std::uint64_t> file_mapped_bytes;
  std::optional<std::uint64_t> slab_reclaimable_bytes;
  std::optional<std::uint64_t> file_dirty_bytes;
  std::optional<std::uint64_t> file_writeback_bytes;
};

// Unknown keys are ignored; any line that is not "<key> <u64>" is kMalformed
// "memory.stat: bad line '<line>'".
Result<MemoryStat> parse_memory_stat(std::string_view text);

// memory.events (flat keyed counters, hierarchical; memory.events.local has the same shape).
// oom_group_kill since 5.16; the others since 4.5/4.13 (oom_kill).
struct MemoryEvents {
  std::optional<std::uint64_t> low;
  std::optional<std::uint64_t> high;
  std::optional<std::uint64_t> max;
  std::optional<std::uint64_t> oom;
  std::optional<std::uint64_t> oom_kill;
  std::optional<std::uint64_t> oom_group_kill;
};

Result<MemoryEvents> parse_memory_events(std::string_view text,
                                         std::string_view file = "memory.events");

}  // namespace lw::cgroup
