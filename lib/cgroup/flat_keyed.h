#pragma once

// The "flat keyed" format of cgroup interface files (Documentation/admin-guide/cgroup-v2.rst,
// "Format"): one "<key> <value>\n" per line, which v2's memory.stat and memory.events and v1's
// memory.stat and memory.oom_control (Documentation/admin-guide/cgroup-v1/memory.rst) all use.
// The kernel prints "%s %llu\n": exactly one space, an unsigned decimal, nothing else.

#include <cstdint>
#include <optional>
#include <string_view>

#include "base/result.h"
#include "base/text.h"

namespace lw::cgroup {

// kMalformed "<file>: bad line '<line>'" (the line sanitised and capped for the detail).
Error bad_line(std::string_view file, std::string_view line);

// kMalformed "<file>: bad value '<text>'" for single-value files.
Error bad_value(std::string_view file, std::string_view text);

// A single-value file ("%llu\n", "max\n") without its one trailing newline. Nothing else is
// stripped: " 12" or "12 \n" is not what the kernel prints, so it stays malformed.
inline std::string_view single_line(std::string_view text) {
  if (!text.empty() && text.back() == '\n') {
    text.remove_suffix(1);
  }
  return text;
}

// Calls on_pair(key, value) for every "<key> <u64>" line. Any other line shape (no value, an
// empty key, an extra token, a tab, a sign, a suffix, an overflowing number, an empty line)
// stops the parse with bad_line(): a value we cannot read is never turned into 0.
template <typename OnPair>
Status parse_flat_keyed(std::string_view text, std::string_view file, OnPair&& on_pair) {
  std::optional<Error> error;
  text::for_each_line(text, [&](std::string_view line) {
    if (error) {
      return;
    }
    const auto kv = text::split_once(line, ' ');
    const std::optional<std::uint64_t> value =
        kv && !kv->first.empty() ? text::parse_u64(kv->second) : std::nullopt;
    if (!value) {
      error = bad_line(file, line);
      return;
    }
    on_pair(kv->first, *value);
  });
  if (error) {
    return *std::move(error);
  }
  return Ok{};
}

}  // namespace lw::cgroup
