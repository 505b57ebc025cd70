#include "scan/status_memo.h"

namespace lw::scan {

namespace {

// statm's three sizes as status's lines imply them; nullopt when a line is missing (a kernel
// thread, a kernel before 4.5) or a size is not whole pages.
std::optional<procfs::PidStatm> statm_of(const procfs::PidStatus& m, std::uint64_t page_size) {
  if (!m.vm_size_bytes || !m.vm_rss_bytes || !m.rss_file_bytes || !m.rss_shmem_bytes ||
      page_size == 0) {
    return std::nullopt;
  }
  const std::uint64_t shared = *m.rss_file_bytes + *m.rss_shmem_bytes;
  for (const std::uint64_t bytes : {*m.vm_size_bytes, *m.vm_rss_bytes, shared}) {
    if (bytes % page_size != 0) {
      return std::nullopt;
    }
  }
  return procfs::PidStatm{.size_pages = *m.vm_size_bytes / page_size,
                          .resident_pages = *m.vm_rss_bytes / page_size,
                          .shared_pages = shared / page_size};
}

bool statm_may_stand_in(int pid, const StatusScan& scan, const StatusMemo& memo) {
  const auto stagger = static_cast<std::uint64_t>(pid > 0 ? pid : 0);
  return memo.statm && !memo.moving && (scan.scan + stagger) % kStatusRefreshScans != 0;
}

// Whether `now` differs from the memo's statm by anonymous memory alone, on a host where that is
// all the reading needs (see the top of status_memo.h).
bool only_anon_moved(const procfs::PidStatm& now, const StatusMemo& memo, const StatusScan& scan) {
  const procfs::PidStatus& s = memo.status;
  return scan.swap_off && now.shared_pages == memo.statm->shared_pages &&
         now.resident_pages >= now.shared_pages && s.rss_anon_bytes &&
         s.vm_swap_bytes.value_or(0) == 0;
}

// The reading brought up to date from statm: the same counters status prints.
void update_from_statm(const procfs::PidStatm& now, std::uint64_t page_size, StatusMemo& memo) {
  procfs::PidStatus& s = memo.status;
  s.vm_size_bytes = now.size_pages * page_size;
  s.vm_rss_bytes = now.resident_pages * page_size;
  s.rss_anon_bytes = (now.resident_pages - now.shared_pages) * page_size;
  memo.statm = now;
}

// Whether a new reading differs from the last in a way a statm probe could not have brought up to
// date (see only_anon_moved()): such a process reads status directly while it keeps moving.
bool moved_beyond_statm(const procfs::PidStatus& before, const procfs::PidStatus& now,
                        bool swap_off) {
  if (!swap_off) {
    return before != now;
  }
  return before.rss_file_bytes != now.rss_file_bytes ||
         before.rss_shmem_bytes != now.rss_shmem_bytes || now.vm_swap_bytes.value_or(0) != 0;
}

}  // namespace

Result<StatusSource> refresh_status(int dir, int pid, const StatusScan& scan, ReadBuffer& buf,
                                    StatusMemo& memo) {
  std::optional<procfs::PidStatm> statm;
  if (statm_may_stand_in(pid, scan, memo)) {
    if (auto probe = read_record_parsed(dir, "statm", buf, procfs::parse_pid_statm)) {
      if (*probe == *memo.statm) {
        return StatusSource::kReused;
      }
      if (only_anon_moved(*probe, memo, scan)) {
        update_from_statm(*probe, scan.page_size, memo);
        return StatusSource::kUpdated;
      }
      statm = *probe;
    }
  }
  auto status = read_record_parsed(dir, "status", buf, procfs::parse_pid_status);
  if (!status) {
    return status.error();
  }
  memo.moving = memo.read && moved_beyond_statm(memo.status, *status, scan.swap_off);
  memo.read = true;
  memo.status = *std::move(status);
  // The statm read this scan when there was one: it is what the next probe compares with, even
  // where the kernel's statm and status round their counters differently.
  memo.statm = statm ? statm : statm_of(memo.status, scan.page_size);
  return StatusSource::kRead;
}

}  // namespace lw::scan
