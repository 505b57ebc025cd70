#pragma once

// One scan, end to end: sample processes, host, cgroups and the kernel log; read smaps_rollup on
// the budget; append to the history; analyse; return the immutable report. Runs on the scanner
// thread only. Never throws out of scan(): a failing part is counted and the scan goes on.

#include <cstdint>
#include <memory>
#include <vector>

#include "analysis/history.h"
#include "analysis/report.h"
#include "analysis/report_builder.h"
#include "analysis/rules.h"
#include "config/config.h"
#include "scan/cgroup_sampler.h"
#include "scan/kmsg_reader.h"
#include "scan/process_sampler.h"

namespace lw::daemon {

class Scanner {
 public:
  explicit Scanner(const config::Config& cfg);

  // Opens the roots. A missing procfs root is fatal (returned); no memory controller or an
  // unreadable kernel log are degraded modes (logged by the caller, visible in the metrics).
  Status open();
  std::string cgroup_layout_name() const;
  bool kmsg_open() const { return kmsg_.is_open(); }

  // Applies a reloaded configuration (history is kept; a changed retention applies from now on).
  void reconfigure(const config::Config& cfg);

  std::shared_ptr<const analysis::Report> scan(scan::SteadyTime now, scan::WallTime wall,
                                               std::vector<analysis::OomEvent>& new_events);

  const scan::ScanStats& last_stats() const { return last_stats_; }
  analysis::SelfReport& self() { return self_; }
  const analysis::History& history() const { return history_; }
  // For restoring a snapshot before the first scan (daemon/persistence.h).
  analysis::History& mutable_history() { return history_; }

 private:
  void accumulate(const scan::ScanStats& s);

  config::Config cfg_;
  scan::ProcessSampler processes_;
  scan::CgroupSampler cgroups_;
  scan::KmsgReader kmsg_;
  analysis::History history_;
  analysis::ReportBuilder builder_;
  analysis::ProcessRules rules_;
  scan::SmapsPolicy smaps_;
  analysis::SelfReport self_;
  scan::ScanStats last_stats_;
  scan::Snapshot snap_;
};

}  // namespace lw::daemon
