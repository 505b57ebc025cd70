#pragma once

// OOM kills and their post-mortems, one event per kill. Two sources tell about kills:
//   - the kernel log (scan/kmsg_reader.h): one "Killed process" line per kill, with the victim's
//     pid; only records of the kernel's own facility count;
//   - the counters (analysis/oom_counts.h): the host's vmstat oom_kill counts every kill, the
//     cgroups' own counters say where.
// They disagree in time: the log reader emits a line without its "oom-kill:" partner one scan
// late (4.13-4.18 kernels print none; a group kill prints one for the first victim only), and a
// kill between the counter reads and the log read shows in the log one scan before the counters.
// So the tracker reconciles them:
//   - a counted kill waits up to kHoldScans further scans for a log line to claim it, and becomes
//     an event of its own ("counter", victim guessed among the processes that died in its cgroup)
//     only then: a counter-only event is at most kHoldScans scan intervals late;
//   - a log line claims a waiting counted kill (same cgroup first). If none waits and its victim
//     was already gone when a counter-only event of the last kReplaceScans scans was published,
//     the line is that kill's, later still: its event replaces that one. Otherwise it is a new
//     event, and for kHoldScans scans it claims the counted kill its counter will show (a kill
//     between the counter reads and the log read).
//   - a lone "oom-kill:" summary (its kill line never came: the victim was already exiting, or
//     the line was lost) only claims or replaces; it never adds a kill.
// Each event carries the victim's last window of history from the store and its verdict before
// death. After pid reuse the victim is the identity that was alive at the kill (same comm, dead
// since the kill or still alive in this scan), not a newer process with the same pid.

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "analysis/oom_counts.h"
#include "analysis/options.h"
#include "analysis/report.h"
#include "analysis/verdict_state.h"
#include "model/snapshot.h"
#include "store/series_store.h"

namespace lw::analysis {

class OomTracker {
 public:
  // Scans a counted kill waits for its log line before it is published from the counter alone.
  static constexpr std::uint64_t kHoldScans = 1;
  // Scans after its publication during which a late log line replaces a counter-only event.
  static constexpr std::uint64_t kReplaceScans = 8;

  // Finds this scan's kills, appends them to `new_events` (for the daemon to log) and to the
  // bounded list of recent events.
  void track(const store::SeriesStore& store, const VerdictState& verdicts,
             const model::Snapshot& snap, const AnalysisOptions& options,
             std::vector<OomEvent>& new_events);

  const std::deque<OomEvent>& events() const { return events_; }
  const std::map<std::string, std::uint64_t>& kills_by_group() const { return kills_by_group_; }
  std::uint64_t flagged_total() const { return flagged_total_; }
  std::size_t cgroup_counters() const { return counts_.cgroups_tracked(); }

 private:
  struct Context;
  struct Counted {       // a kill a counter saw, that no log line has claimed yet
    std::string cgroup;  // "" when only the host counter saw it
    std::uint64_t scan = 0;
    std::int64_t since_ms = 0;  // the scan before the counter moved: the victim died after it
  };
  struct Logged {  // a log line's kill whose counter has not moved yet
    std::string cgroup;
    std::uint64_t scan = 0;
  };
  struct Published {  // a counter-only event a late log line may still replace
    std::uint64_t id = 0;
    std::string cgroup;
    std::string group;
    bool was_suspect = false;
    std::uint64_t scan = 0;
    std::int64_t died_by_ms = 0;  // its victim was gone by this scan
  };
  struct LineKill {  // a log line's event, and when the store saw its victim gone
    OomEvent ev;
    std::optional<std::int64_t> died_ms;  // nullopt: victim unknown; still alive: after now
  };

  void on_counted(const Context& ctx, const std::vector<std::string>& kills);
  void on_logged(const Context& ctx, std::vector<OomEvent>& new_events);
  void expire(const Context& ctx, std::vector<OomEvent>& new_events);
  LineKill event_from_line(const Context& ctx, const procfs::OomLine& line);
  OomEvent event_from_counter(const Context& ctx, const Counted& kill);
  bool replace_counter_event(const Context& ctx, const LineKill& kill,
                             std::vector<OomEvent>& new_events);
  void publish(const Context& ctx, OomEvent ev, std::vector<OomEvent>& new_events);
  void count(const OomEvent& ev, int sign);
  std::int64_t scan_ms_ago(std::uint64_t scans) const;

  OomCounts counts_;
  std::deque<Counted> counted_;
  std::deque<Logged> logged_;
  std::deque<Published> published_;
  std::set<std::pair<std::uint64_t, model::ProcessId>> victims_;  // (scan, id) of recent victims
  std::deque<std::int64_t> scan_ms_;  // recent scans' times, newest last
  std::uint64_t scan_ = 0;
  std::uint64_t next_id_ = 1;

  std::deque<OomEvent> events_;
  std::map<std::string, std::uint64_t> kills_by_group_;
  std::uint64_t flagged_total_ = 0;
};

}  // namespace lw::analysis
