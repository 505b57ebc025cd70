#pragma once

// leakwatchd --attribute PID [--duration D] [--format text|json]: one attribution session against
// a running process, printed for a person (an indented tree) or as JSON (SPEC "Version 2
// additions").
//
// Exit codes: 0 the session ran (sites printed, or "no retained allocations" / "not enough
// samples to rank"); 1 an error (attach failed, the process does not exist); 2 bad usage;
// 3 the target is refused (Go, musl, static without allocator symbols, not x86_64);
// 4 a missing privilege (CAP_BPF, CAP_PERFMON); 5 the target exited or exec'd mid-session;
// 6 the probe phase detached: the target's allocator call rate is over the budget.

#include <chrono>
#include <iosfwd>
#include <string>

#include "config/config.h"

namespace lw::daemon {

struct AttributeOptions {
  int pid = 0;
  std::chrono::milliseconds duration{std::chrono::seconds(30)};
  std::string format = "text";  // text or json
};

inline constexpr int kExitRefused = 3;
inline constexpr int kExitDenied = 4;
inline constexpr int kExitTargetGone = 5;
inline constexpr int kExitProbeDetached = 6;

int run_attribute(const config::Config& cfg, const AttributeOptions& opts, std::ostream& out,
                  std::ostream& err);

}  // namespace lw::daemon
