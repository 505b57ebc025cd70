#include "procfs/pid_limits.h"

#include "base/text.h"

namespace lw::procfs {

namespace {

constexpr std::string_view kRow = "Max open files";

// A limit is a number or "unlimited" (RLIM_INFINITY). Outer nullopt = garbage.
std::optional<std::optional<std::uint64_t>> parse_limit(std::string_view token) {
  if (token == "unlimited") {
    return std::optional<std::uint64_t>{};
  }
  const auto value = text::parse_u64(token);
  if (!value) {
    return std::nullopt;
  }
  return std::optional<std::uint64_t>{*value};
}

}  // namespace

Result<NofileLimit> parse_nofile_limit(std::string_view text) {
  std::optional<std::string_view> row;
  text::for_each_line(text, [&](std::string_view line) {
    if (!row && line.substr(0, kRow.size()) == kRow) {
      row = line.substr(kRow.size());
    }
  });
  if (!row) {
    return malformed("limits: no Max open files row");
  }
  // "   1024    524288    files     ": soft, hard, then the unit.
  std::string_view rest = *row;
  const auto soft = parse_limit(text::next_token(rest));
  const auto hard = parse_limit(text::next_token(rest));
  const std::string_view unit = text::next_token(rest);
  if (!soft || !hard || (unit != "files" && !unit.empty()) || !text::trim(rest).empty()) {
    return malformed("limits: bad value for Max open files");
  }
  return NofileLimit{.soft = *soft, .hard = *hard};
}

}  // namespace lw::procfs
