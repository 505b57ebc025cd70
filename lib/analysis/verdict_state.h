#pragma once

// What the analysis carries from one scan to the next, keyed by the store's series identities but
// kept outside the store (the store holds data, the analysis its conclusions): when each suspect
// was first flagged, the last pattern (for OOM post-mortems and smaps planning), the latest rate.
// Only the scanner thread touches it. Persisted beside the store (verdict_snapshot.h).

#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "analysis/report.h"
#include "model/snapshot.h"
#include "store/series_store.h"

namespace lw::analysis {

// The last full analysis of a process (process_analysis.h), reused while nothing material
// changed. Not persisted: after a restart the first scan recomputes it from the store.
struct ProcessAnalysisCache {
  bool valid = false;
  bool flat = false;       // flat over the whole window: stays valid until a sample differs
  double analysed_at = 0;  // steady seconds
  // The range of private bytes and FDs over the window the last analysis read.
  double memory_low = 0, memory_high = 0, fds_low = 0, fds_high = 0;
  bool moved = false;  // a sample since then fell outside that range
  std::vector<WindowRate> rates;
  ResourceVerdict memory;
  ResourceVerdict fds;
  std::optional<double> memory_rate;  // bytes/s, leak or growing only
  std::optional<double> fds_rate;     // FDs/s, leak or growing only
  std::optional<double> rate_long;
};

struct ProcessVerdictState {
  std::string pattern;  // the last memory pattern ("" = not judged)
  bool memory_suspect = false;
  std::optional<double> memory_suspect_since;  // wall seconds, this episode
  std::optional<double> fds_suspect_since;
  std::optional<double> rate_long;  // private bytes/s over the longest window
  ProcessAnalysisCache cache;
};

struct CgroupVerdictState {
  std::optional<double> suspect_since;  // wall seconds, this episode
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
