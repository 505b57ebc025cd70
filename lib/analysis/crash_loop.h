#pragma once

// Crash loops: a service that grows and dies every few minutes never lives `min_observed`, so
// no single instance is ever a leak suspect, however often it dies. The group is one instead.
//
// The rule (README "Crash loops"): a group is a crash loop when, within the longest analysis
// window, at least `kMinCrashLoopDeaths` successive instances of it (in one unit, else cgroup)
// ended while their own memory pattern was `growing` or `leak`, each either OOM-killed or
// replaced by a new instance of the same unit (or cgroup, when it has none) within
// `restart_within`. An instance that exits and is
// not replaced that soon (cron, batch) ends the run; so does one that was judged and died
// neither growing nor leaking. An instance too short-lived to be judged ("" pattern) neither
// counts nor ends the run, and neither does a death whose cause is not settled yet.
//
// Times are wall seconds, as the report's. Once per scan the tracker records the processes that
// ended (ended_this_scan), then settles its pending deaths against the processes that could have
// replaced them (arrivals_since) and the recent OOM events. It keeps at most kMaxInstancesPerGroup
// deaths per (group, unit or cgroup) and kMaxCrashLoopGroups of those, and forgets one once it has
// no death in the window.

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "analysis/report.h"
#include "analysis/verdict_state.h"
#include "store/series_store.h"

namespace lw::analysis {

inline constexpr std::size_t kMinCrashLoopDeaths = 3;
inline constexpr std::size_t kMaxInstancesPerGroup = 16;
inline constexpr std::size_t kMaxCrashLoopGroups = 512;

struct CrashLoopOptions {
  double restart_within_seconds = 60;  // analysis.crash_loop_restart_within
  double window_seconds = 6 * 3600;    // the longest analysis window
};

// A process that ended this scan.
struct EndedInstance {
  std::string group;
  std::string unit;
  std::string cgroup;
  std::int32_t pid = 0;
  double start_seconds = 0;       // wall, from /proc/PID/stat
  double first_seen_seconds = 0;  // wall, the first scan that saw it
  double last_seen_seconds = 0;   // wall, the last scan that saw it alive
  double gone_seconds = 0;        // wall, the first scan that did not
  std::optional<std::uint64_t> peak_private_bytes;
  std::string pattern;  // the memory pattern of its last analysis ("" = never judged)
};

// A live process that may have replaced an ended one.
struct Arrival {
  std::string group;
  std::string unit;
  std::string cgroup;
  std::int32_t pid = 0;
  double first_seen_seconds = 0;  // wall
};

// A group's deaths in the window and whether they make it a crash loop.
struct GroupCrashLoop {
  std::string group;
  bool crash_loop = false;
  std::vector<InstanceDeath> deaths;  // oldest first
};

class CrashLoopTracker {
 public:
  // Records the instances that ended this scan as pending deaths. A group's first death is
  // recorded only when the instance was growing or leaking: a group whose instances end flat
  // costs nothing.
  void record(std::span<const EndedInstance> ended);

  // The earliest last_seen of a death still waiting for a replacement, so the caller gathers
  // only arrivals that could match; nullopt when none waits.
  std::optional<double> earliest_pending() const;

  // Settles deaths (an OOM event for the pid, a replacement among `arrivals`, or an exit once
  // restart_within has passed) and forgets deaths older than the window.
  void settle(std::span<const Arrival> arrivals, std::span<const OomEvent> ooms, double now_wall,
              const CrashLoopOptions& options);

  // Every group with deaths in the window, by name.
  std::vector<GroupCrashLoop> groups() const;

 private:
  struct Death {
    EndedInstance instance;
    DeathCause cause = DeathCause::kPending;
  };
  // Key: group + '\0' + home (the unit, else the cgroup): a run of deaths is one service's, so
  // unrelated processes of the same name elsewhere neither add to it nor break it.
  std::map<std::string, std::vector<Death>> deaths_;  // oldest first
};

// The number of successive qualifying deaths in the longest such run of `deaths` (oldest first).
std::size_t longest_crash_run(std::span<const InstanceDeath> deaths);

// The store's processes that were alive at the previous scan and are gone in this one.
std::vector<EndedInstance> ended_this_scan(const store::SeriesStore& store,
                                           const VerdictState& verdicts, double now_wall);
// The store's live processes first seen after `since` (wall seconds).
std::vector<Arrival> arrivals_since(const store::SeriesStore& store, double since);

}  // namespace lw::analysis
