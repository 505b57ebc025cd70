#pragma once

// The "Max open files" row of /proc/<pid>/limits. Format: proc_pid_limits(5), a fixed-width
// table: "Limit  Soft Limit  Hard Limit  Units". Values are a number or "unlimited".

#include <cstdint>
#include <optional>
#include <string_view>

#include "base/result.h"

namespace lw::procfs {

struct NofileLimit {
  std::optional<std::uint64_t> soft;  // nullopt = unlimited
  std::optional<std::uint64_t> hard;  // nullopt = unlimited
};

// kMalformed when the row is missing or its values are neither a number nor "unlimited".
Result<NofileLimit> parse_nofile_limit(std::string_view text);

}  // namespace lw::procfs
