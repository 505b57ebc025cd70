#pragma once

// Samples every memory cgroup under the configured sysfs root, on cgroup v2, v1 and hybrid hosts.
// The memory controller is located from <proc_root>/self/mountinfo (our own mount namespace, not
// /proc/1's: the daemon may run in a container), then each cgroup directory is read through one
// directory fd. Which file feeds which CgroupSample field (see snapshot.h):
//                    v2 (cgroup-v2.rst)          v1 (cgroup-v1/memory.rst)
//   usage_bytes      memory.current              memory.usage_in_bytes
//   anon/file/shmem  memory.stat anon/file/shmem memory.stat total_rss/total_cache/total_shmem
//   anon_thp         memory.stat anon_thp        memory.stat total_rss_huge
//   inactive_file    memory.stat inactive_file   memory.stat total_inactive_file
//   kernel, sock     memory.stat kernel, sock    -
//   swap_bytes       memory.swap.current         memory.stat total_swap
//   limit_bytes      memory.max                  memory.limit_in_bytes
//   high_bytes       memory.high                 -
//   swap_limit_bytes memory.swap.max (swap only) memory.memsw.limit_in_bytes (memory + swap)
//   oom_events       memory.events.local oom     -
//   oom_kill_events  memory.events.local oom_kill  memory.oom_control oom_kill (4.13+)
//                    (both this cgroup's own kills; before 5.2 there is no .local and
//                    memory.events, then not yet hierarchical, is read instead)
//   failcnt          -                           memory.failcnt
//   pressure         memory.pressure             -
//   processes        not read here: counted from the scan's processes (cgroup_members.h)
// No logging: what went wrong is counted in ScanStats.

#include <cstdint>
#include <string>
#include <vector>

#include "base/fd.h"
#include "base/result.h"
#include "cgroup/layout.h"
#include "model/snapshot.h"
#include "procfs/pid_cgroup.h"
#include "scan/cgroup_namespace.h"

namespace lw::scan {

using cgroup::CgroupLayoutKind;

class CgroupSampler {
 public:
  // proc_root: procfs as the daemon sees it ("/proc"); sys_root: sysfs ("/sys"). Mount points
  // from mountinfo are absolute paths of this mount namespace; they are mapped onto sys_root with
  // cgroup::reroot_mount_point: "/sys/fs/cgroup/memory" with sys_root "/x/sys" becomes
  // "/x/sys/fs/cgroup/memory" (the leading "/sys" is replaced by sys_root); a mount point outside
  // /sys ("/cgroup/memory" on old distributions) is placed under sys_root's parent ("/x").
  CgroupSampler(std::string proc_root, std::string sys_root);

  // Reads <proc_root>/self/mountinfo and locates the memory controller. On a cgroup2-only host it
  // also reads <root>/cgroup.controllers: without "memory" there the layout is kNone (not an
  // error). Malformed mountinfo lines are skipped and counted (mountinfo_malformed_lines).
  // Errors (mountinfo unreadable or no line of it valid, the controller's directory missing under
  // sys_root) leave the layout kNone; the daemon decides whether that is fatal.
  Status discover();

  CgroupLayoutKind layout() const { return layout_.kind; }
  // Lines of mountinfo that did not parse at the last discover(): skipped, the rest is used.
  std::size_t mountinfo_malformed_lines() const { return mountinfo_malformed_lines_; }
  const std::string& first_malformed_mountinfo_line() const { return first_malformed_mountinfo_; }
  const cgroup::CgroupLayout& layout_details() const { return layout_; }
  // The daemon's cgroup namespace, as found by the last discover() (cgroup_namespace.h).
  const CgroupNamespaceInfo& cgroup_namespace() const { return namespace_; }

  // One sample per memory cgroup down to max_depth levels below the controller root (0: the root
  // only), in pre-order with siblings sorted by name. CgroupSample::path is the cgroup's path in
  // its hierarchy, as /proc/<pid>/cgroup shows it: the mount's root ("/" normally) joined with the
  // directory's path below the mount point.
  // Per cgroup: removed mid-read (a required file or the directory is gone, or a read fails and
  // the directory is then gone, e.g. ENODEV) -> skipped, stats.cgroups_gone; malformed or
  // unreadable -> skipped, stats.cgroup_errors. A v2 cgroup whose cgroup.controllers lacks
  // "memory" has no memory files; it is listed but not sampled and counted nowhere else.
  // Files the kernel may lack (v2 root: everything but memory.stat and memory.pressure; swap files
  // without swap accounting; memory.pressure without PSI) leave their fields nullopt.
  std::vector<model::CgroupSample> sample(std::uint32_t max_depth, model::ScanStats& stats);

  // The memory controller's root directory after re-rooting ("/sys/fs/cgroup/memory" on this kind
  // of host with sys_root "/sys"); empty before a successful discover() or when kNone.
  std::string memory_root() const { return memory_root_; }

 private:
  enum class Outcome { kSampled, kGone, kError, kNoController };
  Status locate_memory();
  Outcome sample_v2(int dir, bool is_root, model::CgroupSample& out);
  Outcome sample_v1(int dir, model::CgroupSample& out);

  std::string proc_root_;
  std::string sys_root_;
  cgroup::CgroupLayout layout_;
  std::string memory_root_;
  CgroupNamespaceInfo namespace_;
  std::size_t mountinfo_malformed_lines_ = 0;
  std::string first_malformed_mountinfo_;
  ReadBuffer buf_;  // reused for every file read, never zero-filled
};

// The path /proc/<pid>/cgroup gives for the memory controller under this layout: the v1 "memory"
// line on kV1/kHybrid, the "0::" line on kV2; "" when that line is absent or the layout is kNone.
std::string choose_memory_path(const procfs::PidCgroup& pid_cgroup, CgroupLayoutKind layout);

}  // namespace lw::scan
