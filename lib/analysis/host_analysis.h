#pragma once

// The host's and the cgroups' parts of the report: the latest values, MemAvailable and
// unreclaimable growth per window, the host memory-exhaustion forecast, and each exported cgroup's
// verdict and time to its limit. Cgroups carry their verdict state between scans in VerdictState.

#include <cstdint>
#include <optional>

#include "analysis/options.h"
#include "analysis/report.h"
#include "analysis/verdict_state.h"
#include "model/snapshot.h"
#include "store/series_store.h"

namespace lw::analysis {

SystemReport analyse_system(const store::SeriesStore& store, const model::Snapshot& snap,
                            std::int64_t now_ms, const AnalysisOptions& options);

// The host's free swap, what headroom may add (headroom.h): MemInfo SwapFree, when read.
std::optional<std::uint64_t> host_swap_free(const model::SystemSample& sys);

// The exported cgroups, by path; the number left out (cardinality bound) goes to *skipped.
// Limited cgroups that are not exported are judged too (their state holds the unreclaimable
// growth rate a process's time to limit needs) but left out of the result.
std::vector<CgroupReport> analyse_cgroups(const store::SeriesStore& store,
                                          const model::Snapshot& snap, std::int64_t now_ms,
                                          const AnalysisOptions& options, VerdictState& state,
                                          std::uint64_t* skipped);

}  // namespace lw::analysis
