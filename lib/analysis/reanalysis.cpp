#include "analysis/reanalysis.h"

#include <algorithm>

namespace lw::analysis {

double refresh_seconds(const AnalysisOptions& options) {
  if (options.windows.empty()) {
    return 0;
  }
  const double longest = static_cast<double>(options.windows.back().count()) / 1000.0;
  const double shortest = static_cast<double>(options.windows.front().count()) / 1000.0;
  return std::min(longest / kRefreshesPerLongestWindow, shortest / kRefreshesPerShortestWindow);
}

bool ReanalysisClock::due(double now_s, const AnalysisOptions& options) const {
  if (!valid) {
    return true;
  }
  const double since = now_s - analysed_at;
  return since >= refresh_seconds(options) ||
         (moved && since >= options.memory.min_observed_seconds / kRecomputesPerMinObserved);
}

}  // namespace lw::analysis
