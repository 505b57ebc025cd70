#pragma once

// Builds the immutable Report from the history after each scan: growth rates per window, growth
// pattern and leak verdicts, time to limit, siblings, group and cgroup aggregates, and OOM
// post-mortems. Pure over its inputs (history, the scan, options); the only state it keeps
// between scans is what a post-mortem and counters need (previous OOM counters, events).

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include "analysis/classify.h"
#include "analysis/history.h"
#include "analysis/report.h"
#include "scan/process_sampler.h"
#include "scan/snapshot.h"

namespace lw::analysis {

struct AnalysisOptions {
  std::vector<std::chrono::milliseconds> windows{std::chrono::minutes(15), std::chrono::hours(1),
                                                 std::chrono::hours(6)};
  std::vector<std::string> window_labels{"15m", "1h", "6h"};
  Thresholds memory;  // min_growth_* in bytes per hour
  Thresholds fds;     // ratio 0, absolute = FDs per hour
  std::uint32_t top_k = 20;
  std::uint32_t smaps_top_k = 20;
  double sibling_outlier_ratio = 3.0;
  std::uint32_t max_oom_events = 100;
  std::size_t history_points = 120;  // points per sparkline / JSON history
  struct Cgroups {
    std::uint32_t max_depth = 6;
    std::uint64_t min_usage_bytes = 0;
    std::uint32_t max_exported = 500;
    std::vector<std::regex> include;
    std::vector<std::regex> exclude;
  } cgroups;
};

class ReportBuilder {
 public:
  explicit ReportBuilder(AnalysisOptions options) : options_(std::move(options)) {}

  void set_options(AnalysisOptions options) { options_ = std::move(options); }
  const AnalysisOptions& options() const { return options_; }

  // The smaps_rollup reads wanted this scan, in priority order: leak suspects (from the last
  // report), processes matched by include rules or smaps.force, then the top smaps_top_k by
  // private memory. Indices point into snap.processes.
  std::vector<scan::SmapsRequest> plan_smaps(const History& history,
                                             const scan::Snapshot& snap) const;

  // Analyses the history after `snap` was ingested and returns the report. `self` carries the
  // daemon's counters; the builder fills store and tracking figures. New OOM events are appended
  // to `new_events` (for the daemon to log).
  std::shared_ptr<const Report> build(History& history, const scan::Snapshot& snap, SelfReport self,
                                      std::vector<OomEvent>& new_events);

 private:
  void analyse_process(History& history, ProcessEntry& e, std::int64_t now_ms, double now_wall,
                       ProcessReport& out);
  void analyse_cgroups(History& history, const scan::Snapshot& snap, std::int64_t now_ms,
                       Report& report);
  void analyse_system(History& history, const scan::Snapshot& snap, std::int64_t now_ms,
                      Report& report);
  void detect_ooms(History& history, const scan::Snapshot& snap, double now_wall,
                   std::int64_t now_ms, std::vector<OomEvent>& new_events);
  std::vector<HistoryPoint> process_history(const History& history, const ProcessEntry& e,
                                            std::int64_t since_ms) const;

  AnalysisOptions options_;
  std::deque<OomEvent> events_;
  std::map<std::string, std::uint64_t> kills_by_group_;
  std::uint64_t flagged_total_ = 0;
  std::optional<std::uint64_t> last_vmstat_oom_;
  std::uint64_t kmsg_kills_total_ = 0;                    // kills seen in the kernel log
  std::uint64_t counter_kills_total_ = 0;                 // kills seen in the counters
  std::uint64_t counter_events_total_ = 0;                // events made from counters alone
  std::map<std::string, std::uint64_t> last_cgroup_oom_;  // path -> oom_kill counter
  std::vector<Sample> scratch_;
  std::vector<Sample> scratch_fds_;
};

}  // namespace lw::analysis
