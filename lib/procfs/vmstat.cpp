#include "procfs/vmstat.h"

#include <array>
#include <string>

#include "base/text.h"

namespace lw::procfs {

namespace {

struct CounterField {
  std::string_view key;
  std::optional<std::uint64_t> Vmstat::*member;
};

constexpr std::array<CounterField, 4> kFields{{
    {"oom_kill", &Vmstat::oom_kill},
    {"thp_fault_alloc", &Vmstat::thp_fault_alloc},
    {"thp_fault_fallback", &Vmstat::thp_fault_fallback},
    {"compact_stall", &Vmstat::compact_stall},
}};

}  // namespace

Result<Vmstat> parse_vmstat(std::string_view text) {
  Vmstat out;
  std::string bad_key;
  text::for_each_line(text, [&](std::string_view line) {
    if (!bad_key.empty()) {
      return;
    }
    // "key value": exactly two tokens.
    std::string_view rest = line;
    const std::string_view key = text::next_token(rest);
    for (const auto& field : kFields) {
      if (key == field.key) {
        out.*field.member = text::parse_u64(text::next_token(rest));
        if (!(out.*field.member) || !text::trim(rest).empty()) {
          out.*field.member = std::nullopt;
          bad_key = std::string(key);
        }
        return;
      }
    }
  });
  if (!bad_key.empty()) {
    return malformed("vmstat: bad value for " + bad_key);
  }
  return out;
}

}  // namespace lw::procfs
