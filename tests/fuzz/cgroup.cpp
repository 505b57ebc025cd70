// Fuzz target: every cgroup file parser of lib/cgroup, mountinfo and the cgroup path naming
// (first byte selects; see kParsers).

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <string_view>

#include "cgroup/flat_keyed.h"
#include "cgroup/memory.h"
#include "cgroup/memory_v1.h"
#include "cgroup/mountinfo.h"
#include "cgroup/naming.h"
#include "fuzz/fuzz_check.h"

namespace {

using lw::fuzz::check;
using lw::fuzz::check_parse;

void mountinfo(std::string_view text) {
  // A bad line is skipped and counted, never fatal: the table holds the lines that parsed.
  const auto table = lw::cgroup::parse_mountinfo(text);
  check(table.malformed_lines > 0 || table.first_malformed.empty(),
        "a line is kept for the log only when one was skipped");
  check(table.mounts.size() + table.malformed_lines <=
            static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')) + 1,
        "no more entries than lines");
  for (const auto& e : table.mounts) {
    (void)lw::cgroup::has_option(e.super_options, "memory");
  }
}

void unescape(std::string_view text) {
  const std::string out = lw::cgroup::unescape_mount_field(text);
  check(out.size() <= text.size(), "unescaping never grows the field");
}

void naming(std::string_view text) {
  (void)lw::cgroup::systemd_unit(text);
  if (const auto id = lw::cgroup::container_id(text)) {
    check(id->id.size() == 64 && id->short_id == id->id.substr(0, 12),
          "a container id is 64 digits, short id its prefix");
  }
}

// Index = first byte % size: 0 memory.current, 1 memory.max, 2 memory.stat, 3 memory.events,
// 4 v1 counter, 5 v1 limit, 6 v1 memory.stat, 7 memory.oom_control, 8 mountinfo,
// 9 one mountinfo field's escapes, 10 cgroup path -> unit / container id, 11 single u64.
constexpr void (*kParsers[])(std::string_view) = {
    [](std::string_view t) { check_parse(lw::cgroup::parse_memory_current(t)); },
    [](std::string_view t) { check_parse(lw::cgroup::parse_memory_limit(t)); },
    [](std::string_view t) { check_parse(lw::cgroup::parse_memory_stat(t)); },
    [](std::string_view t) { check_parse(lw::cgroup::parse_memory_events(t)); },
    [](std::string_view t) { check_parse(lw::cgroup::parse_v1_counter(t)); },
    [](std::string_view t) { check_parse(lw::cgroup::parse_v1_limit(t)); },
    [](std::string_view t) { check_parse(lw::cgroup::parse_v1_memory_stat(t)); },
    [](std::string_view t) { check_parse(lw::cgroup::parse_oom_control(t)); },
    mountinfo,
    unescape,
    naming,
    [](std::string_view t) { check_parse(lw::cgroup::parse_single_u64(t, "file")); },
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  constexpr std::size_t count = std::size(kParsers);
  const auto [which, text] = lw::fuzz::select(data, size, count);
  if (which < count) {
    kParsers[which](text);
  }
  return 0;
}
