#pragma once

// The "flat keyed" format of cgroup interface files (Documentation/admin-guide/cgroup-v2.rst,
// "Format"): one "<key> <value>\n" per line, which v2's memory.stat and memory.events and v1's
// memory.stat and memory.oom_control (Documentation/admin-guide/cgroup-v1/memory.rst) all use.
// The kernel prints "%s %llu\n": exactly one space, an unsigned decimal, nothing else; those
// files are parsed with keyed::kFlatKeyed (base/keyed.h), which rejects any other line shape.
// This header holds what the single-value files and the other cgroup parsers share.

#include <cstdint>
#include <string_view>

#include "base/keyed.h"
#include "base/result.h"

namespace lw::cgroup {

// kMalformed "<file>: bad line '<line>'" (the line sanitised and capped for the detail).
using keyed::bad_line;

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

// A single-value file holding one u64 ("%llu\n"); anything else is bad_value(file, text).
Result<std::uint64_t> parse_single_u64(std::string_view text, std::string_view file);

}  // namespace lw::cgroup
