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
// The lines kept are always status's own, read this scan or at the last status read.

#include <cstdint>
#include <optional>

#include "base/fd.h"
#include "base/result.h"
#include "procfs/pid_statm.h"
#include "procfs/pid_status.h"

namespace lw::scan {

inline constexpr std::uint64_t kStatusRefreshScans = 10;

// Per process: the last status reading and what statm said (or would have said) at that read.
struct StatusMemo {
  procfs::PidStatus status;               // the last reading (valid once `read`)
  std::optional<procfs::PidStatm> statm;  // nullopt: statm cannot stand in (no status read yet)
  bool read = false;                      // status was read at least once
  bool moving = false;                    // the reading differed from the one before it
};

// Brings memo.status up to date for scan number `scan` (see the top of this file): true when
// status was read this scan, false when statm showed the last reading still holds. Errors are
// status's own (statm's are never reported: status is read instead); on error the memo is
// unchanged. `page_size` turns status's bytes into statm's pages.
Result<bool> refresh_status(int dir, int pid, std::uint64_t scan, std::uint64_t page_size,
                            ReadBuffer& buf, StatusMemo& memo);

}  // namespace lw::scan
