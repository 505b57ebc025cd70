#include "procfs/pid_cgroup.h"

#include "base/text.h"

namespace lw::procfs {

namespace {

constexpr std::size_t kMaxQuoted = 80;  // a path can be long; the error detail need not be

// "cpu,cpuacct" contains "cpu" but "cpuset" does not: compare whole list entries.
bool has_controller(std::string_view list, std::string_view name) {
  while (true) {
    const auto parts = text::split_once(list, ',');
    if (!parts) {
      return list == name;
    }
    if (parts->first == name) {
      return true;
    }
    list = parts->second;
  }
}

}  // namespace

Result<PidCgroup> parse_pid_cgroup(std::string_view text) {
  PidCgroup out;
  std::string_view bad_line;
  bool bad = false;
  text::for_each_line(text, [&](std::string_view line) {
    if (bad || line.empty()) {
      return;
    }
    // "hierarchy-ID:controller-list:cgroup-path"; the path may itself contain ':'.
    const auto id_rest = text::split_once(line, ':');
    const auto ctl_path = id_rest ? text::split_once(id_rest->second, ':') : std::nullopt;
    const auto id = id_rest ? text::parse_u64(id_rest->first) : std::nullopt;
    if (!ctl_path || !id) {
      bad = true;
      bad_line = line;
      return;
    }
    const auto [controllers, path] = *ctl_path;
    if (*id == 0 && controllers.empty()) {
      out.unified_path = std::string(path);
    } else if (has_controller(controllers, "memory")) {
      out.v1_memory_path = std::string(path);
    } else if (has_controller(controllers, "name=systemd")) {
      out.v1_systemd_path = std::string(path);
    }
  });
  if (bad) {
    return malformed("cgroup: bad line '" + std::string(bad_line.substr(0, kMaxQuoted)) + "'");
  }
  return out;
}

}  // namespace lw::procfs
