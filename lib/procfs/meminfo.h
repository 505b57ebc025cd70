#pragma once

// /proc/meminfo. Format: proc_meminfo(5), "Key:   N kB" lines (a few have no unit, e.g.
// HugePages_Total, which are ignored). Bytes. MemAvailable exists since 3.14.

#include <cstdint>
#include <optional>
#include <string_view>

#include "base/result.h"

namespace lw::procfs {

struct Meminfo {
  std::optional<std::uint64_t> mem_total_bytes;
  std::optional<std::uint64_t> mem_free_bytes;
  std::optional<std::uint64_t> mem_available_bytes;
  std::optional<std::uint64_t> swap_total_bytes;
  std::optional<std::uint64_t> swap_free_bytes;
  std::optional<std::uint64_t> anon_huge_pages_bytes;
  std::optional<std::uint64_t> committed_as_bytes;
  std::optional<std::uint64_t> shmem_bytes;
};

// A known key with a bad value is kMalformed; MemTotal missing is kMalformed.
Result<Meminfo> parse_meminfo(std::string_view text);

}  // namespace lw::procfs
