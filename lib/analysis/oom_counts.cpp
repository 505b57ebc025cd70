#include "analysis/oom_counts.h"

#include <algorithm>
#include <utility>

namespace lw::analysis {

void OomCounts::cgroup_deltas(const model::Snapshot& snap, std::vector<std::string>& known,
                              std::vector<std::string>& fresh) {
  std::map<std::string, Counter> seen;
  for (const model::CgroupSample& c : snap.cgroups) {
    if (!c.oom_kill_events) {
      continue;
    }
    const std::uint64_t kills = *c.oom_kill_events;
    const auto it = cgroups_.find(c.path);
    if (it != cgroups_.end() && it->second.inode == c.inode && kills >= it->second.kills) {
      known.insert(known.end(), std::min(kills - it->second.kills, kMaxTaggedPerScan), c.path);
    } else if (primed_) {
      fresh.insert(fresh.end(), std::min(kills, kMaxTaggedPerScan), c.path);
    }
    seen[c.path] = Counter{.inode = c.inode, .kills = kills};
  }
  cgroups_ = std::move(seen);  // cgroups not sampled this scan are forgotten
}

std::vector<std::string> OomCounts::update(const model::Snapshot& snap) {
  std::vector<std::string> known;
  std::vector<std::string> fresh;
  cgroup_deltas(snap, known, fresh);
  const bool was_primed = std::exchange(primed_, true);
  const auto& vmstat = snap.system.vmstat;
  if (!vmstat || !vmstat->oom_kill) {
    host_.reset();
    carried_.clear();
    return known;
  }
  const std::uint64_t host_now = *vmstat->oom_kill;
  const std::uint64_t host_kills =
      std::min(was_primed && host_ && host_now >= *host_ ? host_now - *host_ : 0, kMaxKillsPerScan);
  host_ = host_now;

  // The host counter is the count; the cgroups' kills say where, the carried ones first (they
  // are older), then the known counters', then the fresh ones'.
  std::vector<std::string> tags = std::move(carried_);
  tags.insert(tags.end(), known.begin(), known.end());
  const std::size_t trusted = tags.size();
  tags.insert(tags.end(), fresh.begin(), fresh.end());
  std::vector<std::string> out;
  out.reserve(host_kills);
  for (std::size_t i = 0; i < tags.size() && out.size() < host_kills; ++i) {
    out.push_back(tags[i]);
  }
  // Known kills the host counter did not show yet wait one scan (the host counter is read first);
  // carried ones had their scan and fresh ones are not trusted beyond the host counter.
  carried_.clear();
  for (std::size_t i = std::max(out.size(), trusted - known.size()); i < trusted; ++i) {
    carried_.push_back(tags[i]);
  }
  out.resize(host_kills);  // the kills no cgroup counter saw: ""
  return out;
}

}  // namespace lw::analysis
