#pragma once

// What makes the attributed pid the same process running the same image from attach to detach:
// its start time (a reused pid has another) and its executable's device and inode (an exec
// replaces them). The session checks it on every tick and ends on a change (target_exec) or
// when it can no longer be read (target_exited).

#include <cstdint>
#include <optional>
#include <string>

#include <sys/types.h>

namespace lw::sites {

struct TargetIdentity {
  std::uint64_t starttime = 0;  // /proc/PID/stat field 22, ticks since boot
  std::uint64_t dev = 0;        // of /proc/PID/exe
  std::uint64_t ino = 0;

  bool operator==(const TargetIdentity&) const = default;
};

// The identity of `pid` under `proc_root`; nullopt when the process is gone, is a zombie without
// an executable, or its stat cannot be parsed.
std::optional<TargetIdentity> target_identity(const std::string& proc_root, pid_t pid);

}  // namespace lw::sites
