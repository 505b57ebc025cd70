#pragma once

// The memory lines of /proc/<pid>/status. Format: proc_pid_status(5).
// Every size is in bytes (the kernel prints "kB", meaning KiB). A field is nullopt when its line
// is absent, which is normal: kernel threads have no Vm* lines; RssAnon/RssFile/RssShmem exist
// since Linux 4.5. Absent is never turned into 0.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"

namespace lw::procfs {

struct PidStatus {
  std::string name;                              // Name: (escaped by the kernel; use stat's comm)
  std::optional<std::uint32_t> real_uid;         // Uid: first of the four ids
  std::optional<std::uint64_t> vm_size_bytes;    // VmSize
  std::optional<std::uint64_t> vm_rss_bytes;     // VmRSS
  std::optional<std::uint64_t> rss_anon_bytes;   // RssAnon  (4.5+)
  std::optional<std::uint64_t> rss_file_bytes;   // RssFile  (4.5+)
  std::optional<std::uint64_t> rss_shmem_bytes;  // RssShmem (4.5+)
  std::optional<std::uint64_t> vm_swap_bytes;    // VmSwap

  bool operator==(const PidStatus&) const = default;
};

// Unknown keys are ignored; a known key with a bad value is kMalformed ("status: bad value for
// VmRSS"), never a silent zero. A missing Name line is kMalformed. Lines may come in any order;
// reading stops once every kept key was seen, so a key repeated after that point (the kernel
// prints each once) is not read.
Result<PidStatus> parse_pid_status(std::string_view text);

}  // namespace lw::procfs
