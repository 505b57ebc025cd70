#pragma once

// Allocation-free, locale-free helpers for parsing kernel text. Every parser is built from these.
// Numbers must consume their whole token: no spaces, no '+', no suffix, no overflow.

#include <charconv>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

namespace lw::text {

template <typename Int>
std::optional<Int> parse_int(std::string_view s) {
  Int value{};
  const char* const end = s.data() + s.size();
  const auto [ptr, ec] = std::from_chars(s.data(), end, value);
  if (s.empty() || ec != std::errc{} || ptr != end) {
    return std::nullopt;
  }
  return value;
}

inline std::optional<std::uint64_t> parse_u64(std::string_view s) {
  return parse_int<std::uint64_t>(s);
}

// A decimal with an optional fraction ("12.34"), as in /proc/pressure avg fields. Locale-free.
std::optional<double> parse_decimal(std::string_view s);

// Strips spaces, tabs and newlines at both ends.
std::string_view trim(std::string_view s);

// Splits at the first `sep`; nullopt when `sep` does not occur.
std::optional<std::pair<std::string_view, std::string_view>> split_once(std::string_view s,
                                                                        char sep);

// Pops the next token separated by spaces or tabs from `rest`; empty when none is left.
std::string_view next_token(std::string_view& rest);

// Calls fn(line) for every line without its '\n'; the last line may lack the '\n'.
template <typename Fn>
void for_each_line(std::string_view text, Fn&& fn) {
  while (!text.empty()) {
    const auto nl = text.find('\n');
    if (nl == std::string_view::npos) {
      fn(text);
      return;
    }
    fn(text.substr(0, nl));
    text.remove_prefix(nl + 1);
  }
}

// "  1234 kB" -> 1263616. /proc says "kB" but means KiB: the factor is 1024.
std::optional<std::uint64_t> parse_kib_as_bytes(std::string_view v);

// Multiplies with an overflow check.
inline std::optional<std::uint64_t> checked_mul(std::uint64_t a, std::uint64_t b) {
  if (a != 0 && b > std::numeric_limits<std::uint64_t>::max() / a) {
    return std::nullopt;
  }
  return a * b;
}

// Length of the valid UTF-8 sequence that starts at s[i] (1 to 4), or 0 when none does: overlong
// forms, UTF-16 surrogates, code points above U+10FFFF and cut-off sequences are invalid
// (RFC 3629). The one UTF-8 decoder of the project; i must be < s.size().
std::size_t utf8_sequence_length(std::string_view s, std::size_t i);

// Whether all of `s` is valid UTF-8 (control characters are valid UTF-8).
bool valid_utf8(std::string_view s);

// Replaces every byte sequence that is not valid UTF-8 with U+FFFD and every control character
// (including '\n') with '?', then caps the result at `max_bytes` without splitting a character.
// Used for label values and JSON strings built from hostile process names.
std::string sanitize_utf8(std::string_view in, std::size_t max_bytes = 128);

// sanitize_utf8() without a length cap, then & < > " ' escaped: safe as HTML/SVG element text and
// inside a quoted attribute. The one escape of the status page, the process page and its charts.
std::string markup_escape(std::string_view s);

// ASCII case-insensitive equality (HTTP header names and tokens; no locale).
bool iequals(std::string_view a, std::string_view b);

}  // namespace lw::text
