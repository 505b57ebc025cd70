#pragma once

// Builds the immutable Report after each scan, from the store (read through a const view) and the
// scan: growth rates per window, growth patterns and leak verdicts, time to limit, siblings, group
// and cgroup aggregates, and OOM post-mortems. The report is whole when build() returns and is
// never changed after it is published. The builder owns the analysis state carried between scans
// (verdicts, OOM counters, crash-loop deaths), keyed by the store's identities.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "analysis/crash_loop.h"
#include "analysis/headroom.h"
#include "analysis/oom_tracker.h"
#include "analysis/options.h"
#include "analysis/process_analysis.h"
#include "analysis/report.h"
#include "analysis/verdict_state.h"
#include "model/snapshot.h"
#include "store/series_store.h"

namespace lw::analysis {

class ReportBuilder {
 public:
  explicit ReportBuilder(AnalysisOptions options) : options_(std::move(options)) {}

  void set_options(AnalysisOptions options) { options_ = std::move(options); }
  const AnalysisOptions& options() const { return options_; }

  // The smaps_rollup reads wanted this scan (analysis/smaps_plan.h), from the last verdicts.
  std::vector<model::SmapsRequest> plan_smaps(const store::SeriesStore& store,
                                              const model::Snapshot& snap) const;

  // Analyses the store after `snap` was appended and returns the report. `self` carries the
  // daemon's counters; the builder fills the store and tracking figures. `cgroup_layout` is "v2",
  // "v1", "hybrid" or "none". New OOM events are appended to `new_events` (for the daemon to log).
  std::shared_ptr<const Report> build(const store::SeriesStore& store, const model::Snapshot& snap,
                                      SelfReport self, std::string cgroup_layout,
                                      std::vector<OomEvent>& new_events);

  // The verdict state, for persistence (verdict_snapshot.h).
  VerdictState& verdicts() { return verdicts_; }
  const VerdictState& verdicts() const { return verdicts_; }
  const OomTracker& ooms() const { return ooms_; }

 private:
  void analyse_processes(const store::SeriesStore& store, const model::Snapshot& snap,
                         Report& report);
  // The unreclaimable growth of the cgroup whose limit binds (judged by analyse_cgroups).
  std::optional<double> unreclaimable_rate(const Headroom& h) const;
  void mark_tracked(const store::SeriesStore& store, std::int64_t now_ms, Report& report);
  void attach_charts(const store::SeriesStore& store, const store::ProcessSeries& s,
                     std::int64_t now_ms, ProcessVerdictState& state, ProcessReport& p) const;
  void track_crash_loops(const store::SeriesStore& store, double now_wall, Report& report);

  AnalysisOptions options_;
  VerdictState verdicts_;
  OomTracker ooms_;
  CrashLoopTracker crash_loops_;
};

}  // namespace lw::analysis
