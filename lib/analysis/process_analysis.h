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

class ProcessAnalyser {
 public:
  explicit ProcessAnalyser(const AnalysisOptions& options) : options_(options) {}

  ProcessAnalysis analyse(const store::SeriesStore& store, const store::ProcessSeries& s,
                          ProcessVerdictState& state, std::int64_t now_ms, double now_wall);

 private:
  void judge(const store::SeriesStore& store, const store::ProcessSeries& s, std::uint64_t since,
             double now_s, double age, ProcessAnalysis& out, ProcessVerdictState& state);

  const AnalysisOptions& options_;
  std::vector<Sample> memory_;  // scratch, reused across processes
  std::vector<Sample> fds_;
};

}  // namespace lw::analysis
