#pragma once

// Where the memory controller lives, decided from /proc/self/mountinfo (see mountinfo.h) as
// systemd does (src/basic/cgroup-util.c, cg_unified_cached): a controller can be bound to one
// hierarchy only, so a v1 "cgroup" mount whose super options name "memory" means the controller
// is v1, whatever else is mounted; otherwise it is on the "cgroup2" mount if there is one.
//   pure v2   /sys/fs/cgroup          cgroup2 (memory in its cgroup.controllers)
//   pure v1   /sys/fs/cgroup/memory   cgroup  rw,memory        (no cgroup2 mount)
//   hybrid    /sys/fs/cgroup/memory   cgroup  rw,memory   +   /sys/fs/cgroup/unified cgroup2
// Documentation/admin-guide/cgroup-v2.rst ("Mounting") and cgroup-v1/cgroups.rst.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cgroup/mountinfo.h"

namespace lw::cgroup {

enum class CgroupLayoutKind {
  kV2,      // memory controller on the unified (cgroup2) hierarchy
  kV1,      // memory controller on a v1 hierarchy, no cgroup2 mount at all
  kHybrid,  // memory controller on v1, a cgroup2 hierarchy (without memory) next to it
  kNone,    // no memory controller mounted
};

// "v2", "v1", "hybrid", "none".
std::string_view to_string(CgroupLayoutKind kind);

struct CgroupLayout {
  CgroupLayoutKind kind = CgroupLayoutKind::kNone;
  // Mountinfo (5) of the memory controller's mount: an absolute path in the reader's mount
  // namespace ("/sys/fs/cgroup/memory"); empty for kNone. The caller re-roots it
  // (reroot_mount_point).
  std::string memory_mount_point;
  // Mountinfo (4): which cgroup of the hierarchy is mounted there. "/" normally; a sub-path
  // ("/docker/<id>") inside a container without a cgroup namespace.
  std::string memory_mount_root;
  // The cgroup2 mount, when there is one (kV2, kHybrid).
  std::optional<std::string> unified_mount_point;
  std::optional<std::string> unified_mount_root;
};

// Pure. Without I/O it cannot see whether the cgroup2 hierarchy really has the memory controller,
// so with no v1 memory mount and a cgroup2 mount it says kV2; the caller should then check
// lists_controller(<mount>/cgroup.controllers, "memory") and treat "no" as kNone.
// When several mounts qualify, the first one wins, except that a later mount on the same mount
// point shadows an earlier one (it is the one a path lookup reaches).
CgroupLayout locate_cgroups(const std::vector<MountEntry>& mounts);

// cgroup.controllers / cgroup.subtree_control: space-separated controller names on one line
// (cgroup-v2.rst, "Core Interface Files"). True when `controller` is one of them.
bool lists_controller(std::string_view controllers_text, std::string_view controller);

// Maps an absolute mount point from mountinfo onto the configured sysfs root, so the daemon can
// run in a container with the host's /sys mounted elsewhere and tests can use fixture trees:
//   "/sys/fs/cgroup/memory", sys_root "/x/sys"  ->  "/x/sys/fs/cgroup/memory"  (strip "/sys")
//   "/cgroup/memory",        sys_root "/x/sys"  ->  "/x/cgroup/memory"  (not under /sys: the
//        host root is taken to be sys_root's parent directory, so sys_root "/sys" is a no-op)
// A trailing '/' on sys_root is ignored.
std::string reroot_mount_point(std::string_view mount_point, std::string_view sys_root);

}  // namespace lw::cgroup
