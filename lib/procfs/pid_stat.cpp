#include "procfs/pid_stat.h"

#include <optional>
#include <string>

#include "base/text.h"

namespace lw::procfs {

namespace {

// Stores a parsed value and reports whether there was one.
template <typename T>
bool assign(const std::optional<T>& parsed, T& out) {
  if (!parsed) {
    return false;
  }
  out = *parsed;
  return true;
}

// Fields we do not keep must still be numbers: some are signed (tty_nr, tpgid = -1, priority of
// real-time tasks, nice), so accept either signedness. Up to 18 digits fit both types, so the
// common short field is checked byte by byte without converting it; longer ones are converted.
bool is_integer(std::string_view token) {
  std::string_view digits = token;
  if (!digits.empty() && digits.front() == '-') {
    digits.remove_prefix(1);
  }
  if (!digits.empty() && digits.size() <= 18) {
    for (const char c : digits) {
      if (c < '0' || c > '9') {
        return false;
      }
    }
    return true;
  }
  return text::parse_int<std::int64_t>(token).has_value() || text::parse_u64(token).has_value();
}

// The last field we keep: the line goes on to (52) on current kernels, but nothing after (24)
// is tokenised or checked.

constexpr int kLastField = 24;

}  // namespace

Result<PidStat> parse_pid_stat(std::string_view text) {
  PidStat out;
  // comm is "(...)" and may itself contain ") ", so cut at the first '(' and the LAST ')'.
  const auto open = text.find('(');
  const auto close = text.rfind(')');
  if (open == std::string_view::npos || close == std::string_view::npos || close < open) {
    return malformed("stat: no (comm)");
  }
  const auto pid = text::parse_int<std::int32_t>(text::trim(text.substr(0, open)));
  if (!pid || *pid <= 0) {
    return malformed("stat: bad field (1)");
  }
  out.pid = *pid;
  out.comm = std::string(text.substr(open + 1, close - open - 1));

  std::string_view rest = text::trim(text.substr(close + 1));  // fields from (3) on
  for (int field = 3; field <= kLastField; ++field) {
    const std::string_view token = text::next_token(rest);
    if (token.empty()) {
      return malformed("stat: only " + std::to_string(field - 1) + " fields");
    }
    bool ok = true;
    switch (field) {
      case 3:
        ok = token.size() == 1;
        out.state = token.front();
        break;
      case 4:
        ok = assign(text::parse_int<std::int32_t>(token), out.ppid);
        break;
      case 9:
        ok = assign(text::parse_u64(token), out.flags);
        break;
      case 14:
        ok = assign(text::parse_u64(token), out.utime_ticks);
        break;
      case 15:
        ok = assign(text::parse_u64(token), out.stime_ticks);
        break;
      case 20:
        ok = assign(text::parse_int<std::int64_t>(token), out.num_threads);
        break;
      case 22:
        ok = assign(text::parse_u64(token), out.start_time_ticks);
        break;
      case 23:
        ok = assign(text::parse_u64(token), out.vsize_bytes);
        break;
      case kLastField:
        ok = assign(text::parse_u64(token), out.rss_pages);
        break;
      default:
        ok = is_integer(token);
        break;
    }
    if (!ok) {
      return malformed("stat: bad field (" + std::to_string(field) + ")");
    }
  }
  return out;
}

}  // namespace lw::procfs
