// Fuzz target: every /proc parser of lib/procfs (first byte selects the file; see kParsers).

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <string_view>

#include "fuzz/fuzz_check.h"
#include "procfs/meminfo.h"
#include "procfs/pid_cgroup.h"
#include "procfs/pid_limits.h"
#include "procfs/pid_stat.h"
#include "procfs/pid_statm.h"
#include "procfs/pid_status.h"
#include "procfs/pressure.h"
#include "procfs/proc_stat.h"
#include "procfs/smaps_rollup.h"
#include "procfs/vmstat.h"

namespace {

using lw::fuzz::check;
using lw::fuzz::check_parse;

void parse_stat(std::string_view text) {
  const auto stat = lw::procfs::parse_pid_stat(text);
  check_parse(stat);
  if (stat) {
    check(stat->comm.size() < text.size(), "comm is inside the text");
  }
}

void parse_smaps(std::string_view text) {
  const auto smaps = lw::procfs::parse_smaps_rollup(text);
  check_parse(smaps);
  if (smaps) {
    (void)smaps->uss_bytes();
  }
}

// Index = first byte % size: 0 stat, 1 status, 2 smaps_rollup, 3 /proc/stat, 4 meminfo,
// 5 vmstat, 6 pressure, 7 limits, 8 /proc/PID/cgroup, 9 /proc/PID/statm. Seeds:
// tests/fuzz/make_seeds.sh.
constexpr void (*kParsers[])(std::string_view) = {
    parse_stat,
    [](std::string_view t) { check_parse(lw::procfs::parse_pid_status(t)); },
    parse_smaps,
    [](std::string_view t) { check_parse(lw::procfs::parse_boot_time_seconds(t)); },
    [](std::string_view t) { check_parse(lw::procfs::parse_meminfo(t)); },
    [](std::string_view t) { check_parse(lw::procfs::parse_vmstat(t)); },
    [](std::string_view t) { check_parse(lw::procfs::parse_pressure(t)); },
    [](std::string_view t) { check_parse(lw::procfs::parse_nofile_limit(t)); },
    [](std::string_view t) { check_parse(lw::procfs::parse_pid_cgroup(t)); },
    [](std::string_view t) { check_parse(lw::procfs::parse_pid_statm(t)); },
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  constexpr std::size_t count = std::size(kParsers);
  const auto [which, text] = lw::fuzz::select(data, size, count);
  if (which < count) {
    kParsers[which](text);
  }
  return 0;
}
