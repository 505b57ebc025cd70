#pragma once

// What the analysis is told by the config: windows, thresholds, how many processes to track and
// which cgroups to export.

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "analysis/classify.h"
#include "base/pattern.h"

namespace lw::analysis {

struct AnalysisOptions {
  std::vector<std::chrono::milliseconds> windows{std::chrono::minutes(15), std::chrono::hours(1),
                                                 std::chrono::hours(6)};
  std::vector<std::string> window_labels{"15m", "1h", "6h"};
  Thresholds memory;  // min_growth_* in bytes per hour
  Thresholds fds;     // ratio 0, absolute = FDs per hour
  std::uint32_t top_k = 20;
  std::uint32_t smaps_top_k = 20;
  // A smaps_rollup reading older than this is not reported (scan.smaps.max_age).
  double smaps_max_age_seconds = 900;
  double sibling_outlier_ratio = 3.0;
  std::uint32_t max_oom_events = 100;
  // A group's instance that died and was followed by a new instance of the same unit or cgroup
  // within this long was restarted (crash_loop.h); one not replaced that soon exited.
  double crash_loop_restart_within_seconds = 60;
  std::size_t history_points = 120;  // points per sparkline / JSON history
  std::size_t chart_points = 400;    // points per series of the per-process page's charts
  struct Cgroups {
    std::uint32_t max_depth = 6;
    std::uint64_t min_usage_bytes = 0;
    std::uint32_t max_exported = 500;
    std::vector<lw::Pattern> include;  // RE2, full match over the cgroup path
    std::vector<lw::Pattern> exclude;
  } cgroups;

  // The longest window in ms (0 when none).
  std::int64_t longest_ms() const { return windows.empty() ? 0 : windows.back().count(); }
  // The middle window (1h by default): long enough to ignore a burst, short enough to follow a
  // leak that started this morning. Used by the host forecast and the OOM post-mortem.
  std::size_t middle_window() const {
    return windows.empty() ? 0 : std::min<std::size_t>(1, windows.size() - 1);
  }
};

}  // namespace lw::analysis
