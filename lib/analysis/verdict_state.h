#pragma once

// What the analysis carries from one scan to the next, keyed by the store's series identities but
// kept outside the store (the store holds data, the analysis its conclusions): when each suspect
// was first flagged, the last pattern (for OOM post-mortems and smaps planning), the latest rate.
// Only the scanner thread touches it. Persisted beside the store (verdict_snapshot.h).

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "analysis/reanalysis.h"
#include "analysis/report.h"
#include "model/snapshot.h"
#include "store/series_store.h"

namespace lw::analysis {

// The last full analysis of a process, reused while nothing material changed (reanalysis.h).
// Not persisted: after a restart the first scan recomputes it from the store.
struct ProcessAnalysisCache {
  ReanalysisClock clock;  // channel 0: private bytes, 1: FDs
  bool flat = false;      // flat over the whole window: reused until a sample differs
  WindowRates rates;
  ResourceVerdict memory;
  ResourceVerdict fds;
  std::optional<double> memory_rate;  // bytes/s, leak or growing only
  std::optional<double> fds_rate;     // FDs/s, leak or growing only
  std::optional<double> rate_long;
};

// The same for a cgroup (host_analysis.cpp); channel 0: unreclaimable bytes.
struct CgroupAnalysisCache {
  ReanalysisClock clock;
  WindowRates rates;
  ResourceVerdict memory;
  std::optional<double> growth_rate;  // bytes/s, leak or growing only
  // bytes/s of unreclaimable memory in the current regime, whatever the pattern: what the time to
  // limit of a growing process in this cgroup divides by (report_builder.cpp).
  std::optional<double> unreclaimable_rate;
  std::vector<HistoryPoint> history;
};

struct ProcessVerdictState {
  std::string pattern;  // the last memory pattern ("" = not judged)
  bool memory_suspect = false;
  std::optional<double> memory_suspect_since;  // wall seconds, this episode
  std::optional<double> fds_suspect_since;
  std::optional<double> rate_long;  // private bytes/s over the longest window
  ProcessAnalysisCache cache;
  // A tracked process's page charts and private history, and when they were read from the store
  // (steady ms): redone once per chart point's span, not every scan (report_builder.cpp).
  std::shared_ptr<const ProcessCharts> charts;
  std::vector<HistoryPoint> history;
  std::int64_t charts_at_ms = 0;
};

struct CgroupVerdictState {
  std::optional<double> suspect_since;  // wall seconds, this episode
  CgroupAnalysisCache cache;
};

struct VerdictState {
  std::unordered_map<model::ProcessId, ProcessVerdictState, model::ProcessIdHash> processes;
  std::map<std::string, CgroupVerdictState> cgroups;  // key: store::cgroup_key

  const ProcessVerdictState* find(const model::ProcessId& id) const {
    const auto it = processes.find(id);
    return it == processes.end() ? nullptr : &it->second;
  }
  // Forgets the state of series the store no longer holds.
  void prune(const store::SeriesStore& store) {
    std::erase_if(processes, [&](const auto& kv) { return store.find(kv.first) == nullptr; });
    std::erase_if(cgroups, [&](const auto& kv) { return store.cgroups().count(kv.first) == 0; });
  }
};

}  // namespace lw::analysis
