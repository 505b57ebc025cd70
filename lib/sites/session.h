#pragma once

// One attribution session against one process: find its allocator, run the probe phase with only
// malloc's and free's entry probes attached, counting (detach at once when the trap cost projected
// to the full set is over budget), attach the rest and collect byte-sampled allocations
// for the session's length while watching both budgets, unwind only the samples that stay live
// past the minimum age, and rank the retained bytes by stack.

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <sys/types.h>

#include "base/result.h"
#include "sites/aggregate.h"
#include "sites/capture.h"
#include "sites/target.h"

namespace lw::sites {

struct SessionOptions {
  CaptureOptions capture;  // pid is set by run_session
  TargetOptions target;
  std::chrono::milliseconds duration{std::chrono::seconds(30)};
  std::chrono::milliseconds probe_phase{std::chrono::seconds(2)};  // hard cap
  std::chrono::milliseconds tick{std::chrono::seconds(1)};  // live map, budgets, target checks
  std::chrono::milliseconds min_age{std::chrono::seconds(5)};
  double target_budget_percent = 5.0;  // target CPU lost to traps, % of one CPU
  std::chrono::nanoseconds trap_cost{std::chrono::microseconds(5)};  // per probe hit
  double daemon_budget_percent = 5.0;  // this process's CPU for unwinding etc., % of one CPU
  std::size_t max_records = 20000;     // raw stack records kept in user space
  std::size_t min_samples = 20;        // below: "not enough samples to rank"
  std::size_t top = 10;
  // Called once the probe phase's probes are attached (the command prints a progress line).
  std::function<void(const std::string& allocator, std::size_t probes)> on_attached;
};

enum class Outcome {
  kCompleted,
  kProbeDetached,   // the probe phase projected the trap cost over budget: detached at once
  kBudgetDetached,  // the call rate rose over budget later: detached, partial result
  kTargetExited,    // the target exited (or its pid was reused): its memory is gone
  kTargetExec,      // the target exec'd: its old image's allocations are gone
};
const char* outcome_name(Outcome o);

struct SessionReport {
  pid_t pid = 0;
  Outcome outcome = Outcome::kCompleted;
  std::string message;    // why it ended early; empty on kCompleted
  std::string allocator;  // the object the probes were attached in
  std::vector<std::string> notes;
  double duration_seconds = 0;            // attached time
  double detach_decided_seconds = 0;      // early detach: attach -> the decision
  double detach_seconds = 0;              // early detach: attach -> every probe removed
  double calls_per_second = 0;            // allocator calls, over the attached time
  double projected_overhead_percent = 0;  // traps/s x trap cost, % of one CPU
  double daemon_cpu_seconds = 0;
  std::uint64_t samples = 0;  // stack records received
  CaptureCounters counters;
  std::uint64_t decode_errors = 0;
  std::uint64_t table_full = 0;  // records dropped: the user-space table was full
  std::uint64_t unwound = 0;     // stacks unwound
  std::uint64_t unwind_failed = 0;
  std::uint64_t unwind_deferred = 0;  // retained samples left un-unwound by the CPU budget
  Ranking ranking;
};

using UnwindFn = std::function<Result<std::vector<Frame>>(const StackSample&)>;

// Runs a session against `pid`. Errors before attach: kMalformed = the target is refused (the
// detail says why), kDenied = missing privilege (named), kGone = no such process, kIo = other.
// Events after attach (exit, exec, budget) end the session with an Outcome, not an error; the
// same kDenied/kIo errors when the probes after the probe phase cannot be attached.
Result<SessionReport> run_session(pid_t pid, const SessionOptions& opts, const UnwindFn& unwind);

}  // namespace lw::sites
