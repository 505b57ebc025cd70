#pragma once

// /proc/<pid>/stat, selected fields. Format: proc_pid_stat(5); field numbers below follow it.
// comm (2) is whatever the process named itself (prctl PR_SET_NAME, up to 15 bytes) and may
// contain spaces, parentheses, quotes, newlines and invalid UTF-8: it is cut at the first '(' and
// the LAST ')'. Times are in clock ticks (sysconf(_SC_CLK_TCK)); sizes as the kernel prints them.

#include <cstdint>
#include <string>
#include <string_view>

#include "base/result.h"

namespace lw::procfs {

struct PidStat {
  std::int32_t pid = 0;                // (1)
  std::string comm;                    // (2) raw bytes, unsanitised
  char state = '?';                    // (3) 'Z' zombie, 'X' dead, ...
  std::int32_t ppid = 0;               // (4)
  std::uint64_t flags = 0;             // (9) PF_KTHREAD = 0x00200000 marks kernel threads
  std::uint64_t utime_ticks = 0;       // (14)
  std::uint64_t stime_ticks = 0;       // (15)
  std::int64_t num_threads = 0;        // (20) threads in the group, the leader included
  std::uint64_t start_time_ticks = 0;  // (22) since boot; with pid, identifies a process
  std::uint64_t vsize_bytes = 0;       // (23) bytes
  std::uint64_t rss_pages = 0;         // (24) pages

  bool is_kernel_thread() const { return (flags & 0x00200000U) != 0; }
};

Result<PidStat> parse_pid_stat(std::string_view text);

}  // namespace lw::procfs
