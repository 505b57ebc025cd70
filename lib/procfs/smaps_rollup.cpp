#include "procfs/smaps_rollup.h"

#include <array>
#include <string>

#include "base/text.h"

namespace lw::procfs {

namespace {

struct KibField {
  std::string_view key;
  std::optional<std::uint64_t> SmapsRollup::*member;
};

constexpr std::array<KibField, 10> kKibFields{{
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
  SmapsRollup out;
  if (text::trim(text).empty()) {
    return out;  // kernel thread or exited process: nothing to report, every field absent
  }
  bool first = true;
  bool bad_header = false;
  std::string bad_key;
  text::for_each_line(text, [&](std::string_view line) {
    if (first) {
      // "55f5df246000-7ffda21ec000 ---p 00000000 00:00 0     [rollup]"
      first = false;
      const std::string_view header = text::trim(line);
      bad_header = header.size() < kHeaderTag.size() ||
                   header.substr(header.size() - kHeaderTag.size()) != kHeaderTag;
      return;
    }
    const auto kv = text::split_once(line, ':');
    if (!kv || !bad_key.empty()) {
      return;
    }
    const auto [key, value] = *kv;
    for (const auto& field : kKibFields) {
      if (key == field.key) {
        out.*field.member = text::parse_kib_as_bytes(value);
        if (!(out.*field.member)) {
          bad_key = std::string(key);
        }
        return;
      }
    }
  });
  if (bad_header) {
    return malformed("smaps_rollup: no [rollup] header");
  }
  if (!bad_key.empty()) {
    return malformed("smaps_rollup: bad value for " + bad_key);
  }
  return out;
}

}  // namespace lw::procfs
