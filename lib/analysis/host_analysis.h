#pragma once

// The host's and the cgroups' parts of the report: the latest values, MemAvailable and working-set
// growth per window, the host memory-exhaustion forecast, and each exported cgroup's verdict and
// time to its limit. Cgroups carry their verdict state between scans in VerdictState.

#include <cstdint>

#include "analysis/options.h"
#include "analysis/report.h"
#include "analysis/verdict_state.h"
#include "model/snapshot.h"
#include "store/series_store.h"

namespace lw::analysis {

SystemReport analyse_system(const store::SeriesStore& store, const model::Snapshot& snap,
                            std::int64_t now_ms, const AnalysisOptions& options);

// The exported cgroups, by path; the number left out (cardinality bound) goes to *skipped.
std::vector<CgroupReport> analyse_cgroups(const store::SeriesStore& store,
                                          const model::Snapshot& snap, std::int64_t now_ms,
                                          const AnalysisOptions& options, VerdictState& state,
                                          std::uint64_t* skipped);

}  // namespace lw::analysis
