#include "analysis/reanalysis.h"

namespace lw::analysis {

double refresh_seconds(const AnalysisOptions& options) {
  if (options.windows.empty()) {
    return 0;
  }
  return static_cast<double>(options.windows.back().count()) / 1000.0 / kRefreshesPerLongestWindow;
}

double range_tolerance(const Thresholds& th) {
  return th.min_growth_bytes_per_hour * th.min_observed_seconds / th.hour_seconds() / 2;
}

bool ReanalysisClock::due(double now_s, const AnalysisOptions& options) const {
  if (!valid) {
    return true;
  }
  const double since = now_s - analysed_at;
  const double m = options.memory.min_observed_seconds;
  return since >= refresh_seconds(options) ||
         (watching && since >= m / kRecomputesPerMinObserved) ||
         (moved && since >= m / kMoveRecomputesPerMinObserved);
}

}  // namespace lw::analysis
