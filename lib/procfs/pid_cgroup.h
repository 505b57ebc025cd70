#pragma once

// /proc/<pid>/cgroup. Format: cgroups(7): "hierarchy-ID:controller-list:cgroup-path" per line.
// The v2 (unified) line is "0::/path"; a v1 line names its controllers ("7:memory:/path",
// "4:cpu,cpuacct:/x"). A path may contain ':' (only the first two separate fields).

#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"

namespace lw::procfs {

struct PidCgroup {
  std::optional<std::string> unified_path;     // the "0::" line
  std::optional<std::string> v1_memory_path;   // the v1 line whose controller list has "memory"
  std::optional<std::string> v1_systemd_path;  // the v1 "name=systemd" line (unit on hybrid hosts)
};

// kMalformed when a non-empty line lacks two ':'.
Result<PidCgroup> parse_pid_cgroup(std::string_view text);

}  // namespace lw::procfs
