#pragma once

// The one parser for keyed kernel files: one "<key><separator><number>[ unit]" per line, as in
// /proc/meminfo, /proc/<pid>/status, smaps_rollup, /proc/vmstat and cgroup's flat keyed files
// (memory.stat, memory.events, memory.oom_control). A table maps the wanted keys to fields of
// the output struct; every other key goes to an optional callback or is ignored.
//
// Two strictness levels, matching what the kernel promises per file:
// - kLenient (procfs): a line of another shape or an unknown key is ignored (meminfo has
//   "HugePages_Total: 0" without a unit); a wanted key whose value does not parse stops the parse
//   with "<file>: bad value for <key>", never a silent zero.
// - kStrict (cgroup flat keyed, printed as "%s %llu\n"): every line must be "<key> <u64>";
//   anything else stops the parse with "<file>: bad line '<line>'".
// A key that occurs twice keeps its last value. Numbers consume their whole token (text.h).

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "base/result.h"

namespace lw::keyed {

enum class Separator {
  kColon,   // "Key:<blanks>value" (procfs); the value is everything after the ':'
  kSpace,   // "key value" with exactly one ' ' and nothing else (cgroup flat keyed)
  kBlanks,  // "key<blanks>value<blanks>" (vmstat): spaces and tabs around both tokens
};

enum class Unit {
  kNone,  // a bare unsigned decimal
  kKib,   // "<n> kB": /proc says kB but means KiB, so the number becomes n * 1024 bytes
};

enum class Strictness { kLenient, kStrict };

struct Format {
  Separator separator;
  Unit unit;
  Strictness strictness;
};

inline constexpr Format kProcKib{Separator::kColon, Unit::kKib, Strictness::kLenient};
inline constexpr Format kProcCounters{Separator::kBlanks, Unit::kNone, Strictness::kLenient};
inline constexpr Format kFlatKeyed{Separator::kSpace, Unit::kNone, Strictness::kStrict};

// One line split by a Format. `number` is the value read as the Format's unit (in bytes for
// kKib), nullopt when it is not one; `value` is the raw text for keys that are not numbers.
struct Line {
  std::string_view text;
  std::string_view key;
  std::string_view value;
  std::optional<std::uint64_t> number;
};

// Splits one line (without its '\n'); nullopt when it has no key and separator.
std::optional<Line> split_line(std::string_view line, const Format& format);

// The number in `number_text` read as `unit` (bytes for kKib), nullopt when it is not one: what
// split_line does to every line's value. A parser that picks its keys itself (pid_status, on the
// per-process hot path) calls it only for the lines it wants.
std::optional<std::uint64_t> parse_number(std::string_view number_text, Unit unit);

// The first line that stopped a parse: `key` is empty for a line of the wrong shape.
struct Problem {
  std::string_view line;
  std::string_view key;
};

// "<file>: bad value for <key>" (kLenient) or "<file>: bad line '<line>'" (kStrict, the line
// sanitised and capped), always kMalformed.
Error problem_error(std::string_view file, const Format& format, const Problem& problem);

// kMalformed "<file>: bad line '<line>'", the line sanitised and capped at 80 bytes.
Error bad_line(std::string_view file, std::string_view line);

// Calls on_line(const Line&) -> bool for every line of the Format's shape, until one returns
// false (its value is bad) or, under kStrict, a line is not "<key> <u64>".
template <typename OnLine>
std::optional<Problem> for_each_pair(std::string_view text, const Format& format,
                                     OnLine&& on_line) {
  while (!text.empty()) {
    const auto nl = text.find('\n');
    const std::string_view raw = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    const std::optional<Line> line = split_line(raw, format);
    if (format.strictness == Strictness::kStrict && (!line || !line->number)) {
      return Problem{raw, {}};
    }
    if (line && !on_line(*line)) {
      return Problem{raw, line->key};
    }
  }
  return std::nullopt;
}

// A wanted key and the output field it fills.
template <typename Out>
struct Field {
  std::string_view key;
  std::optional<std::uint64_t> Out::*member;
};

template <typename Out, std::size_t N>
const Field<Out>* find_field(const std::array<Field<Out>, N>& fields, std::string_view key) {
  for (const Field<Out>& field : fields) {
    if (field.key == key) {
      return &field;
    }
  }
  return nullptr;
}

// Fills `out` from the table; lines with other keys go to on_other(const Line&) -> bool, which
// returns false when a value it owns is bad.
template <typename Out, std::size_t N, typename OnOther>
Status parse_into(std::string_view text, const Format& format, std::string_view file,
                  const std::array<Field<Out>, N>& fields, Out& out, OnOther&& on_other) {
  const auto problem = for_each_pair(text, format, [&](const Line& line) {
    if (const Field<Out>* field = find_field(fields, line.key)) {
      out.*field->member = line.number;
      return line.number.has_value();
    }
    return on_other(line);
  });
  if (problem) {
    return problem_error(file, format, *problem);
  }
  return Ok{};
}

// The common case: only the table's keys matter.
template <typename Out, std::size_t N>
Result<Out> parse(std::string_view text, const Format& format, std::string_view file,
                  const std::array<Field<Out>, N>& fields) {
  Out out{};
  const Status status =
      parse_into(text, format, file, fields, out, [](const Line&) { return true; });
  if (!status) {
    return status.error();
  }
  return out;
}

}  // namespace lw::keyed
