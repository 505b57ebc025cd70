#pragma once

// /proc/<pid>/mountinfo. Format: proc_pid_mountinfo(5) (Documentation/filesystems/proc.rst, 3.5):
//   36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue
//   (1)(2) (3)  (4)   (5)      (6)       (7)   (8) (9)   (10)         (11)
// (7) is zero or more optional fields ("shared:N", "master:N", "propagate_from:N",
// "unbindable"), ended by the lone "-" (8). The kernel escapes space, tab, newline and backslash
// in (4), (5) and (10) as \040 \011 \012 \134 (fs/proc_namespace.c, mangle()).

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace lw::cgroup {

struct MountEntry {
  std::uint32_t mount_id = 0;   // (1)
  std::uint32_t parent_id = 0;  // (2)
  std::uint32_t major = 0;      // (3) st_dev of the filesystem
  std::uint32_t minor = 0;
  std::string root;           // (4) path inside the filesystem mounted here, unescaped
  std::string mount_point;    // (5) unescaped, relative to the reader's root
  std::string mount_options;  // (6) per-mount options, comma separated
  std::vector<std::string> optional_fields;  // (7)
  std::string fs_type;                       // (9) "cgroup2", "cgroup", "ext4", "fuse.sshfs", ...
  std::string source;                        // (10) unescaped; may be empty
  std::string super_options;                 // (11) per-superblock options; for v1 cgroup mounts
                                             // the controller list ("rw,memory", "rw,cpu,cpuacct")
};

// Decodes the kernel's "\ooo" octal escapes. A backslash not followed by three octal digits is
// kept as is (the kernel never prints one).
std::string unescape_mount_field(std::string_view field);

// True when the comma-separated `options` contain `option` as a whole item ("rw,memory" has
// "memory"; "rw,memory_recursiveprot" does not).
bool has_option(std::string_view options, std::string_view option);

// One line without its newline. kMalformed "mountinfo: bad line '<line>'" when fields (1)-(6),
// the "-" separator or (9)-(11) are missing, or (1)-(3) are not numbers.
Result<MountEntry> parse_mountinfo_line(std::string_view line);

// The whole file. A malformed line (a kernel quirk, a mount point we cannot parse) is skipped
// and counted, so one odd mount never hides the cgroup mounts next to it.
struct MountTable {
  std::vector<MountEntry> mounts;
  std::size_t malformed_lines = 0;
  std::string first_malformed;  // the first skipped line, for the log ("" when none)
};
MountTable parse_mountinfo(std::string_view text);

}  // namespace lw::cgroup
