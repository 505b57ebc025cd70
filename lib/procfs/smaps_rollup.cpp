#include "procfs/smaps_rollup.h"

#include <array>

#include "base/keyed.h"
#include "base/text.h"

namespace lw::procfs {

namespace {

constexpr std::array<keyed::Field<SmapsRollup>, 10> kKibFields{{
    {"Rss", &SmapsRollup::rss_bytes},
    {"Pss", &SmapsRollup::pss_bytes},
    {"Pss_Anon", &SmapsRollup::pss_anon_bytes},
    {"Pss_File", &SmapsRollup::pss_file_bytes},
    {"Pss_Shmem", &SmapsRollup::pss_shmem_bytes},
    {"Private_Clean", &SmapsRollup::private_clean_bytes},
    {"Private_Dirty", &SmapsRollup::private_dirty_bytes},
    {"Swap", &SmapsRollup::swap_bytes},
    {"SwapPss", &SmapsRollup::swap_pss_bytes},
    {"AnonHugePages", &SmapsRollup::anon_huge_pages_bytes},
}};

constexpr std::string_view kHeaderTag = "[rollup]";

}  // namespace

Result<SmapsRollup> parse_smaps_rollup(std::string_view text) {
  if (text::trim(text).empty()) {
    return SmapsRollup{};  // kernel thread or exited process: nothing to report, every field absent
  }
  // "55f5df246000-7ffda21ec000 ---p 00000000 00:00 0     [rollup]", then the keyed lines.
  const auto nl = text.find('\n');
  const std::string_view header = text::trim(text.substr(0, nl));
  const std::string_view body = nl == std::string_view::npos ? "" : text.substr(nl + 1);
  if (header.size() < kHeaderTag.size() ||
      header.substr(header.size() - kHeaderTag.size()) != kHeaderTag) {
    return malformed("smaps_rollup: no [rollup] header");
  }
  return keyed::parse(body, keyed::kProcKib, "smaps_rollup", kKibFields);
}

}  // namespace lw::procfs
