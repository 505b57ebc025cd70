#pragma once

// The sizes of /proc/<pid>/statm. Format: proc_pid_statm(5), one line of seven page counts:
// "size resident shared text lib data dt". Only the first three are kept; they are the same mm
// counters status prints as VmSize, VmRSS and RssFile + RssShmem (Linux 4.5+), at a fraction of
// status's cost (no signal masks, capabilities or cpu lists to render), which is what makes statm
// the cheap "did this process's memory move?" probe of the sampler (scan/status_memo.h).

#include <cstdint>

#include "base/result.h"

namespace lw::procfs {

struct PidStatm {
  std::uint64_t size_pages = 0;      // total program size (VmSize)
  std::uint64_t resident_pages = 0;  // resident set (VmRSS)
  std::uint64_t shared_pages = 0;    // resident file-backed + shmem (RssFile + RssShmem)

  bool operator==(const PidStatm&) const = default;
};

// kMalformed unless the text holds at least three whole numbers separated by spaces; a kernel
// thread's "0 0 0 0 0 0 0" parses (to zeros).
Result<PidStatm> parse_pid_statm(std::string_view text);

}  // namespace lw::procfs
