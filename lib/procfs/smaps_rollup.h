#pragma once

// /proc/<pid>/smaps_rollup (Linux 4.14+). Format: proc_pid_smaps(5); one header line
// ("00400000-ffffffffff600000 ---p 00000000 00:00 0   [rollup]") then "Key:   N kB" lines.
// Reading it walks the target's page tables under its mmap lock: cost grows with its RSS, which
// is why the scanner budgets it. Sizes are bytes; absent lines stay nullopt (Pss_Anon/File/Shmem
// since 5.9, Pss_Dirty since 6.0).

#include <cstdint>
#include <optional>
#include <string_view>

#include "base/result.h"

namespace lw::procfs {

struct SmapsRollup {
  std::optional<std::uint64_t> rss_bytes;
  std::optional<std::uint64_t> pss_bytes;
  std::optional<std::uint64_t> pss_anon_bytes;
  std::optional<std::uint64_t> pss_file_bytes;
  std::optional<std::uint64_t> pss_shmem_bytes;
  std::optional<std::uint64_t> private_clean_bytes;
  std::optional<std::uint64_t> private_dirty_bytes;
  std::optional<std::uint64_t> swap_bytes;
  std::optional<std::uint64_t> swap_pss_bytes;
  std::optional<std::uint64_t> anon_huge_pages_bytes;

  // USS: what would be freed if the process exited (Private_Clean + Private_Dirty).
  std::optional<std::uint64_t> uss_bytes() const {
    if (!private_clean_bytes || !private_dirty_bytes) {
      return std::nullopt;
    }
    return *private_clean_bytes + *private_dirty_bytes;
  }
};

// An empty file (kernel thread, or the process exited) is kGone-like but not an error here: it
// returns a SmapsRollup with every field nullopt. A known key with a bad value is kMalformed.
Result<SmapsRollup> parse_smaps_rollup(std::string_view text);

}  // namespace lw::procfs
