#pragma once

// /proc/<pid>/status only when a process's memory moved in a way statm cannot show. status is the
// dearest file of a scan (the kernel renders signal masks, capabilities and cpu lists for the few
// memory lines we keep); statm prints the same mm counters (VmSize, VmRSS, RssFile + RssShmem) for
// about 40% of its cost. A process whose status was read before is probed with statm:
//   - the same three sizes as at the last reading: the memory has not moved, the reading stands;
//   - on a host without swap (SwapTotal 0), only the anonymous memory moved (RssFile + RssShmem the
//     same): the reading is brought up to date from statm alone, which is exact, because statm
//     and status print the same counters and RssAnon = VmRSS - (RssFile + RssShmem), VmSwap 0.
//     This is the common case of a busy process (its heap moves), which so costs statm each scan
//     instead of status;
//   - anything else reads status: statm differs in a way it cannot explain (its file or shmem
//     pages moved, or the host has swap, whose VmSwap only status shows), or statm is missing or
//     malformed (a fixture tree, an old kernel, a process mid-exit).
// A process whose last probe could not explain the move, and that keeps moving, goes straight to
// status: it never pays for statm as well. Every process reads status at least on its refresh scan
// ((scan + pid) % kStatusRefreshScans == 0, staggered by pid): what statm cannot show (VmSwap, the
// split of RssFile and RssShmem, the uid) is never more than kStatusRefreshScans scans old.
// Swapping pages out or in moves VmRSS, so statm sees it; only swap freed while resident memory
// stays put (madvise of swapped-out pages) waits for the refresh.

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
  bool moving = false;  // the last status read differed in a way statm could not have updated
};

// What refresh_status() is told of the scan.
struct StatusScan {
  std::uint64_t scan = 0;       // the scan's number: which processes refresh this scan
  std::uint64_t page_size = 0;  // turns status's bytes into statm's pages
  bool swap_off = false;        // the host has no swap (SwapTotal 0): VmSwap is 0 for everyone
};

// Where this scan's reading came from.
enum class StatusSource {
  kReused,   // statm unchanged: the last reading stands
  kUpdated,  // statm moved by anonymous memory only: the reading brought up to date from it
  kRead,     // status read
};

// Brings memo.status up to date for the scan (see the top of this file). Errors are status's own
// (statm's are never reported: status is read instead); on error the memo is unchanged.
Result<StatusSource> refresh_status(int dir, int pid, const StatusScan& scan, ReadBuffer& buf,
                                    StatusMemo& memo);

}  // namespace lw::scan
