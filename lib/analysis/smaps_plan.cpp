#include "analysis/smaps_plan.h"

#include <algorithm>
#include <functional>
#include <set>

namespace lw::analysis {

namespace {

std::set<std::size_t> top_by_private(std::span<const model::ProcessSample> processes,
                                     std::uint32_t top_k) {
  std::vector<std::pair<std::uint64_t, std::size_t>> by_private;
  by_private.reserve(processes.size());
  for (std::size_t i = 0; i < processes.size(); ++i) {
    by_private.emplace_back(processes[i].private_bytes().value_or(0), i);
  }
  const std::size_t k = std::min<std::size_t>(top_k, by_private.size());
  std::partial_sort(by_private.begin(), by_private.begin() + static_cast<std::ptrdiff_t>(k),
                    by_private.end(), std::greater<>());
  std::set<std::size_t> top;
  for (std::size_t i = 0; i < k; ++i) {
    top.insert(by_private[i].second);
  }
  return top;
}

}  // namespace

std::vector<model::SmapsRequest> plan_smaps(std::span<const model::ProcessSample> processes,
                                            const store::SeriesStore& store,
                                            const VerdictState& verdicts, std::uint32_t top_k) {
  struct Candidate {
    int priority;
    std::uint64_t private_bytes;
    model::SmapsRequest req;
  };
  const std::set<std::size_t> top = top_by_private(processes, top_k);
  std::vector<Candidate> candidates;
  for (std::size_t i = 0; i < processes.size(); ++i) {
    const auto& p = processes[i];
    const store::ProcessSeries* s = store.find(p.id);
    const ProcessVerdictState* v = verdicts.find(p.id);
    const bool forced = s != nullptr && s->labels.smaps_forced;
    int priority = 3;
    if (v != nullptr && (v->memory_suspect || v->pattern == "leak")) {
      priority = 0;
    } else if (s != nullptr && (s->labels.included || forced)) {
      priority = 1;
    } else if (top.count(i) != 0) {
      priority = 2;
    }
    if (priority < 3) {
      candidates.push_back(
          {priority, p.private_bytes().value_or(0), {.index = i, .forced = forced}});
    }
  }
  std::sort(candidates.begin(), candidates.end(), [](const Candidate& a, const Candidate& b) {
    return a.priority != b.priority ? a.priority < b.priority : a.private_bytes > b.private_bytes;
  });
  std::vector<model::SmapsRequest> out;
  out.reserve(candidates.size());
  for (const auto& c : candidates) {
    out.push_back(c.req);
  }
  return out;
}

}  // namespace lw::analysis
