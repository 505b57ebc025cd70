#include "procfs/proc_stat.h"

#include <optional>

#include "base/text.h"

namespace lw::procfs {

Result<std::uint64_t> parse_boot_time_seconds(std::string_view proc_stat_text) {
  bool seen = false;
  std::optional<std::uint64_t> btime;
  text::for_each_line(proc_stat_text, [&](std::string_view line) {
    std::string_view rest = line;
    if (seen || text::next_token(rest) != "btime") {
      return;
    }
    seen = true;
    btime = text::parse_u64(text::next_token(rest));
    if (!text::trim(rest).empty()) {
      btime = std::nullopt;
    }
  });
  if (!seen) {
    return malformed("/proc/stat: no btime line");
  }
  if (!btime) {
    return malformed("/proc/stat: bad value for btime");
  }
  return *btime;
}

}  // namespace lw::procfs
