#include "scan/cgroup_namespace.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <string_view>

#include <fcntl.h>
#include <unistd.h>

#include "base/text.h"
#include "cgroup/namespace.h"
#include "cgroup/tree.h"
#include "procfs/pid_cgroup.h"
#include "procfs/pid_stat.h"
#include "scan/cgroup_sampler.h"

namespace lw::scan {

namespace {

// The target of a namespace link ("cgroup:[4026531835]"); "" when unreadable.
std::string link_target(const std::string& path) {
  std::array<char, 128> target{};
  const ssize_t n = ::readlink(path.c_str(), target.data(), target.size());
  return n > 0 ? std::string(target.data(), static_cast<std::size_t>(n)) : std::string();
}

// True when the cgroup.procs text lists `pid`.
bool lists_pid(std::string_view procs, int pid) {
  bool found = false;
  text::for_each_line(procs, [&](std::string_view line) {
    found = found || text::parse_int<int>(text::trim(line)) == pid;
  });
  return found;
}

// The hierarchy path of the cgroup at `depth` below the mount that lists `pid`; nullopt if none.
std::optional<std::string> find_own_cgroup(const std::string& memory_root, std::uint32_t depth,
                                           int pid, ReadBuffer& buf) {
  const auto tree = cgroup::walk_cgroup_tree(memory_root, depth);
  if (!tree) {
    return std::nullopt;
  }
  for (const cgroup::CgroupDir& d : tree->dirs) {
    if (d.depth != depth) {
      continue;
    }
    const std::string procs = memory_root + (d.path == "/" ? "" : d.path) + "/cgroup.procs";
    const auto text = read_all_at(AT_FDCWD, procs.c_str(), buf);
    if (text && lists_pid(*text, pid)) {
      return d.path;
    }
  }
  return std::nullopt;
}

}  // namespace

CgroupNamespaceInfo detect_cgroup_namespace(const std::string& proc_root,
                                            const cgroup::CgroupLayout& layout,
                                            const std::string& memory_root, ReadBuffer& buf) {
  CgroupNamespaceInfo info;
  const std::string own_ns = link_target(proc_root + "/self/ns/cgroup");
  const std::string init_ns = link_target(proc_root + "/1/ns/cgroup");
  info.private_ns = !own_ns.empty() && !init_ns.empty() && own_ns != init_ns;
  info.host_hierarchy = cgroup::only_ups(layout.memory_mount_root);
  if (!info.host_hierarchy || memory_root.empty()) {
    return info;
  }
  // Our own path (relative to our namespace root) and pid, as this procfs shows them.
  const std::string self = proc_root + "/self";
  const auto self_dir = open_at(AT_FDCWD, self.c_str(), O_RDONLY | O_DIRECTORY);
  if (!self_dir) {
    return info;
  }
  const auto cg = read_parsed(self_dir->get(), "cgroup", buf, procfs::parse_pid_cgroup);
  const auto stat = read_parsed(self_dir->get(), "stat", buf, procfs::parse_pid_stat);
  if (!cg || !stat) {
    return info;
  }
  const std::string own = choose_memory_path(*cg, layout.kind);
  if (own.empty() || cgroup::leading_ups(own) > 0) {
    return info;
  }
  const auto own_depth = cgroup::resolve_ns_path(own, std::string("/"));
  const std::size_t below_root =
      own_depth && *own_depth != "/"
          ? static_cast<std::size_t>(std::count(own_depth->begin(), own_depth->end(), '/'))
          : 0;
  const auto depth =
      static_cast<std::uint32_t>(cgroup::leading_ups(layout.memory_mount_root) + below_root);
  const auto found = find_own_cgroup(memory_root, depth, stat->pid, buf);
  if (found) {
    info.root = cgroup::namespace_root_from(*found, own);
  }
  return info;
}

}  // namespace lw::scan
