#pragma once

// /proc/<pid>/status only when a process's memory moved. status is the dearest file of a scan
// (the kernel renders signal masks, capabilities and cpu lists for the few memory lines we keep);
// statm prints the same mm counters (VmSize, VmRSS, RssFile + RssShmem) for about 40% of its cost.
// A process whose memory was still at its last status read is probed with statm: the same three
// sizes as then mean the memory lines have not moved, and the last reading is used again. Anything
// else reads status:
//   - statm differs, is missing or malformed (a fixture tree, an old kernel, a process mid-exit);
//   - the process was moving at its last status read (its memory differed from the reading
//     before): a busy process goes straight to status, so it never pays for statm as well;
//   - the process's refresh scan came ((scan + pid) % kStatusRefreshScans == 0, staggered by pid):
//     what statm cannot show (VmSwap, the split of RssFile and RssShmem, the uid) is never more
//     than kStatusRefreshScans scans old. Swapping pages out or in moves VmRSS, so statm sees it;
//     only swap freed while resident memory stays put (madvise of swapped-out pages) waits for the
//     refresh.
// The memory lines returned are always status's own, read this scan or at the last status read.

#include <cstdint>
#include <optional>

#include "base/fd.h"
#include "base/result.h"
#include "procfs/pid_statm.h"
#include "procfs/pid_status.h"

namespace lw::scan {

inline constexpr std::uint64_t kStatusRefreshScans = 10;

// The status lines the sampler keeps (PidStatus without its name).
struct StatusMemory {
  std::optional<std::uint32_t> real_uid;
  std::optional<std::uint64_t> vm_size_bytes;
  std::optional<std::uint64_t> vm_rss_bytes;
  std::optional<std::uint64_t> rss_anon_bytes;
  std::optional<std::uint64_t> rss_file_bytes;
  std::optional<std::uint64_t> rss_shmem_bytes;
  std::optional<std::uint64_t> vm_swap_bytes;

  static StatusMemory of(const procfs::PidStatus& status);
  bool operator==(const StatusMemory&) const = default;
};

// Per process: the last status reading and what statm said (or would have said) at that read.
struct StatusMemo {
  StatusMemory memory;
  std::optional<procfs::PidStatm> statm;  // nullopt: statm cannot stand in (no status read yet)
  bool read = false;                      // status was read at least once
  bool moving = false;                    // the memory lines differed from the reading before
};

struct StatusRead {
  StatusMemory memory;
  bool from_status = false;  // status was read this scan (false: statm matched, memo reused)
};

// The memory lines of the process under `dir` for scan number `scan` (see the top of this file).
// Errors are status's own (statm's are never reported: status is read instead). `page_size` turns
// status's bytes into statm's pages.
Result<StatusRead> read_status_memory(int dir, int pid, std::uint64_t scan, std::uint64_t page_size,
                                      ReadBuffer& buf, StatusMemo& memo);

}  // namespace lw::scan
