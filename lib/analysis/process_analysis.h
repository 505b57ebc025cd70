#pragma once

// One process's report from its series: the latest values, a growth rate per window, the memory
// and FD verdicts and the FD time to limit. The memory time to limit needs the cgroups and the
// host, so the caller turns memory.rate into seconds (report_builder.cpp). Updates the process's
// verdict state (suspect since, last pattern).

#include <optional>
#include <vector>

#include "analysis/options.h"
#include "analysis/report.h"
#include "analysis/verdict_state.h"
#include "store/series_store.h"

namespace lw::analysis {

struct ProcessAnalysis {
  ProcessReport report;
  std::optional<double> memory_rate;  // bytes/s, when the memory pattern is leak or growing
};

// Analyses processes one at a time, reusing each one's last full analysis (its
// ProcessAnalysisCache) while nothing material changed (reanalysis.h). A process flat over the
// whole window stays flat, with no store read at all, until a sample differs.
class ProcessAnalyser {
 public:
  explicit ProcessAnalyser(const AnalysisOptions& options) : options_(options) {}

  ProcessAnalysis analyse(const store::SeriesStore& store, const store::ProcessSeries& s,
                          ProcessVerdictState& state, std::int64_t now_ms, double now_wall);

  // Full analyses run so far (for the tests and the bench).
  std::uint64_t full_analyses() const { return full_analyses_; }

 private:
  void judge(const store::SeriesStore& store, const store::ProcessSeries& s, std::uint64_t since,
             double now_s, double now_wall, double age, ProcessAnalysisCache& cache);
  void remember_flat(std::uint64_t memory, std::optional<std::uint64_t> fds, double now_s,
                     ProcessAnalysisCache& cache) const;
  static void apply(const ProcessAnalysisCache& cache, const model::ProcessSample& p,
                    ProcessAnalysis& out);

  const AnalysisOptions& options_;
  std::vector<Sample> memory_;  // scratch, reused across processes
  std::vector<Sample> fds_;
  std::uint64_t full_analyses_ = 0;
};

}  // namespace lw::analysis
