#pragma once

// Which processes' smaps_rollup to read this scan, in priority order: memory suspects and leaks
// (from the last scan's verdicts), processes matched by include rules or smaps.force, then the
// top `top_k` by private memory. A pure function: the scan reads what it returns, within its
// budget (scan::ProcessSampler::read_smaps).

#include <cstdint>
#include <span>
#include <vector>

#include "analysis/verdict_state.h"
#include "model/snapshot.h"
#include "store/series_store.h"

namespace lw::analysis {

std::vector<model::SmapsRequest> plan_smaps(std::span<const model::ProcessSample> processes,
                                            const store::SeriesStore& store,
                                            const VerdictState& verdicts, std::uint32_t top_k);

}  // namespace lw::analysis
