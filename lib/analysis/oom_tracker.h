#pragma once

// OOM kills and their post-mortems. Each scan, kills come from the kernel log lines the scan read
// (named, with the victim's pid) and from the counters (cgroup memory.events oom_kill or v1
// oom_control, host vmstat oom_kill) for kills the log did not tell about. Each kill becomes an
// OomEvent with the victim's last window of history from the store and its verdict before death.
// Keeps the counters' previous values and the recent events between scans.

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "analysis/options.h"
#include "analysis/report.h"
#include "analysis/verdict_state.h"
#include "model/snapshot.h"
#include "store/series_store.h"

namespace lw::analysis {

class OomTracker {
 public:
  // Finds this scan's kills, appends them to `new_events` (for the daemon to log) and to the
  // bounded list of recent events.
  void track(const store::SeriesStore& store, const VerdictState& verdicts,
             const model::Snapshot& snap, const AnalysisOptions& options,
             std::vector<OomEvent>& new_events);

  const std::deque<OomEvent>& events() const { return events_; }
  const std::map<std::string, std::uint64_t>& kills_by_group() const { return kills_by_group_; }
  std::uint64_t flagged_total() const { return flagged_total_; }

 private:
  struct Context;
  void from_kernel_log(const Context& ctx, std::vector<OomEvent>& out);
  std::vector<std::string> unexplained_cgroups(const Context& ctx,
                                               const std::vector<OomEvent>& from_log);
  void from_counters(const Context& ctx, const std::vector<std::string>& cgroups,
                     std::vector<OomEvent>& out);
  std::uint64_t pending() const;

  std::deque<OomEvent> events_;
  std::map<std::string, std::uint64_t> kills_by_group_;
  std::uint64_t flagged_total_ = 0;
  std::optional<std::uint64_t> last_vmstat_oom_;
  std::uint64_t kmsg_kills_total_ = 0;                    // kills seen in the kernel log
  std::uint64_t counter_kills_total_ = 0;                 // kills seen in the counters
  std::uint64_t counter_events_total_ = 0;                // events made from counters alone
  std::map<std::string, std::uint64_t> last_cgroup_oom_;  // path -> oom_kill counter
};

}  // namespace lw::analysis
