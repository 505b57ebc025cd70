#pragma once

// One scan cycle, end to end: sample processes, host, cgroups and the kernel log (lib/scan); plan
// and read smaps_rollup on the budget; append to the store (lib/store); analyse (lib/analysis)
// into the whole, immutable report; publish it. The data goes down the modules once. Runs on the
// scanner thread only. Never throws out of run(): a failing part is counted and the scan goes on.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "analysis/report.h"
#include "analysis/report_builder.h"
#include "analysis/rules.h"
#include "config/config.h"
#include "scan/cgroup_sampler.h"
#include "scan/kmsg_reader.h"
#include "scan/process_sampler.h"
#include "store/series_store.h"

namespace lw::daemon {

class ScanCycle {
 public:
  explicit ScanCycle(const config::Config& cfg);

  // Opens the roots. A missing procfs root is fatal (returned); no memory controller or an
  // unreadable kernel log are degraded modes (logged by the caller, visible in the metrics).
  Status open();
  std::string cgroup_layout_name() const;
  bool kmsg_open() const { return kmsg_.is_open(); }
  const scan::CgroupSampler& cgroup_sampler() const { return cgroups_; }
  // Why the kernel log could not be opened ("" when it was, or is not read).
  const std::string& kmsg_error() const { return kmsg_error_; }

  // Applies a reloaded configuration (history is kept; a changed retention applies from now on).
  void reconfigure(const config::Config& cfg);

  // Hands the report to its readers. It runs inside the cycle, timed as its publish phase.
  using Publish = std::function<void(const std::shared_ptr<const analysis::Report>&)>;

  // One whole cycle: sample, smaps, analysis, then `publish` (if any) with the new report, which
  // is also returned. The cycle's wall time, its phases and the daemon's CPU go into the next
  // report: this one is built before the cycle ends.
  std::shared_ptr<const analysis::Report> run(model::SteadyTime now, model::WallTime wall,
                                              std::vector<analysis::OomEvent>& new_events,
                                              const Publish& publish = {});

  const model::ScanStats& last_stats() const { return last_stats_; }
  analysis::SelfReport& self() { return self_; }
  const store::SeriesStore& store() const { return store_; }
  const analysis::VerdictState& verdicts() const { return builder_.verdicts(); }
  // For restoring a snapshot before the first scan (daemon/persistence.h).
  store::SeriesStore& mutable_store() { return store_; }
  analysis::VerdictState& mutable_verdicts() { return builder_.verdicts(); }

 private:
  void sample(model::SteadyTime now, model::WallTime wall);
  void accumulate(const model::ScanStats& s);
  void record_cost(const model::ScanStats& s);
  void protect_tracked(const analysis::Report& report);
  // The sizes of the long-lived maps, for leakwatch_internal_entries.
  void record_entries();

  config::Config cfg_;
  scan::ProcessSampler processes_;
  scan::CgroupSampler cgroups_;
  scan::KmsgReader kmsg_;
  store::SeriesStore store_;
  analysis::ReportBuilder builder_;
  analysis::ProcessRules rules_;
  scan::SmapsPolicy smaps_;
  analysis::SelfReport self_;
  model::ScanStats last_stats_;
  model::Snapshot snap_;
  std::string kmsg_error_;
};

}  // namespace lw::daemon
