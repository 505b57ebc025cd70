#pragma once

// Where the daemon's cgroup namespace root sits in the memory controller's hierarchy, found at
// start-up (see cgroup/namespace.h for the path arithmetic). Three cases:
//   - no private namespace (on the host, or docker --cgroupns=host): paths are used as printed;
//   - a private namespace with the host's hierarchy mounted (the mount's root field reads
//     "/../.."): the daemon finds its own cgroup in that tree (the directory whose cgroup.procs
//     lists it) and every /proc/<pid>/cgroup path is resolved against the namespace root;
//   - a private namespace with only its own subtree mounted: paths outside it ("/../x") cannot
//     be resolved and are left unknown (""), and the daemon says at start-up what to change.

#include <optional>
#include <string>

#include "base/fd.h"
#include "cgroup/layout.h"

namespace lw::scan {

struct CgroupNamespaceInfo {
  bool private_ns = false;          // <proc>/self/ns/cgroup differs from <proc>/1/ns/cgroup
  bool host_hierarchy = false;      // the memory mount's root is above the namespace root
  std::optional<std::string> root;  // the namespace root in the hierarchy, when found
};

// `memory_root` is the controller's mount directory after re-rooting (CgroupSampler).
CgroupNamespaceInfo detect_cgroup_namespace(const std::string& proc_root,
                                            const cgroup::CgroupLayout& layout,
                                            const std::string& memory_root, ReadBuffer& buf);

}  // namespace lw::scan
