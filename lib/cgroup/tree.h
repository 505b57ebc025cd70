#pragma once

// Listing the cgroups of one hierarchy (cgroup-v2.rst "Basic Operations"; cgroup-v1/cgroups.rst):
// every cgroup is a directory under the controller's mount, created and removed at any time by
// systemd, container runtimes and the kernel. This is the one I/O part of lib/cgroup.

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace lw::cgroup {

struct CgroupDir {
  std::string path;         // relative to the walked root: "/" for it, "/system.slice/x.service"
  std::uint32_t depth = 0;  // 0 for the root
  std::uint64_t inode = 0;  // st_ino; on cgroup v2 this is the cgroup id
};

struct CgroupTree {
  std::vector<CgroupDir> dirs;  // pre-order, siblings sorted by name: deterministic
  std::uint64_t vanished = 0;   // directories removed between being listed and being read
  std::uint64_t errors = 0;     // directories that could not be listed for another reason
};

// Walks `root` and its subdirectories down to `max_depth` levels below it (0: the root only).
// Symlinks and files are ignored. A directory removed during the walk (ENOENT, or ENODEV from
// cgroupfs) is skipped and counted in `vanished`, never an error; a subdirectory that cannot be
// listed (EACCES, ...) is kept, without its children, and counted in `errors`. Only a root that
// cannot be read is an error (error_from_errno kinds: kGone, kDenied, kIo).
Result<CgroupTree> walk_cgroup_tree(const std::filesystem::path& root, std::uint32_t max_depth);

}  // namespace lw::cgroup
