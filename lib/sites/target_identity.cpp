#include "sites/target_identity.h"

#include <fcntl.h>
#include <sys/stat.h>

#include "base/fd.h"
#include "procfs/pid_stat.h"

namespace lw::sites {

std::optional<TargetIdentity> target_identity(const std::string& proc_root, pid_t pid) {
  const std::string dir = proc_root + "/" + std::to_string(pid);
  ReadBuffer buf;
  const auto stat =
      read_record_parsed(AT_FDCWD, (dir + "/stat").c_str(), buf,
                         [](std::string_view text) { return procfs::parse_pid_stat(text); });
  if (!stat || stat->start_time_ticks == 0) {
    return std::nullopt;
  }
  struct stat exe {};
  if (::stat((dir + "/exe").c_str(), &exe) != 0) {
    return std::nullopt;
  }
  return TargetIdentity{.starttime = stat->start_time_ticks, .dev = exe.st_dev, .ino = exe.st_ino};
}

}  // namespace lw::sites
