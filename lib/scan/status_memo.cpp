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

bool statm_may_stand_in(int pid, std::uint64_t scan, const StatusMemo& memo) {
  const auto stagger = static_cast<std::uint64_t>(pid > 0 ? pid : 0);
  return memo.statm && !memo.moving && (scan + stagger) % kStatusRefreshScans != 0;
}

}  // namespace

Result<bool> refresh_status(int dir, int pid, std::uint64_t scan, std::uint64_t page_size,
                            ReadBuffer& buf, StatusMemo& memo) {
  std::optional<procfs::PidStatm> statm;
  if (statm_may_stand_in(pid, scan, memo)) {
    if (auto probe = read_record_parsed(dir, "statm", buf, procfs::parse_pid_statm)) {
      if (*probe == *memo.statm) {
        return false;
      }
      statm = *probe;
    }
  }
  auto status = read_record_parsed(dir, "status", buf, procfs::parse_pid_status);
  if (!status) {
    return status.error();
  }
  memo.moving = memo.read && *status != memo.status;
  memo.read = true;
  memo.status = *std::move(status);
  // The statm read this scan when there was one: it is what the next probe compares with, even
  // where the kernel's statm and status round their counters differently.
  memo.statm = statm ? statm : statm_of(memo.status, page_size);
  return true;
}

}  // namespace lw::scan
