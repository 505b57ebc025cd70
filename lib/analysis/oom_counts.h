#pragma once

// The OOM kills the kernel's counters counted in one scan, each tagged with the cgroup it happened
// in where a cgroup counter says so. Two kinds of counter:
//   host    /proc/vmstat oom_kill (4.13+): every kill on the host, once. When it is readable it is
//           the count, and the cgroup counters only say where the kills were.
//   cgroup  v1 memory.oom_control oom_kill and v2 memory.events.local oom_kill: the kills of that
//           cgroup's own processes (the sampler reads .local, not the hierarchical memory.events,
//           so a kill moves one cgroup's counter, on v1 and v2 alike). Kills in cgroups the scan
//           does not sample (below max_depth, the v2 root) move only the host counter.
// A cgroup counter is kept while its cgroup is sampled and forgotten the first scan it is not, so
// the map never outgrows the cgroups that exist. A cgroup is (path, inode): a re-created cgroup
// (new inode, or a counter that went backwards) and one first seen after the first scan start
// from 0, and their kills so far are believed only as far as the host counter moved; without the
// host counter they are taken as the baseline (a phantom kill is worse than a missed one there).

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "model/snapshot.h"

namespace lw::analysis {

class OomCounts {
 public:
  // At most this many kills per cgroup and scan are tagged with the cgroup; more still count
  // (untagged) when the host counter saw them.
  static constexpr std::uint64_t kMaxTaggedPerScan = 1024;
  // A host counter that jumps by more than this in one scan is not believed beyond it (a kill
  // storm that large is counted short rather than let a bad reading exhaust memory).
  static constexpr std::uint64_t kMaxKillsPerScan = 100000;

  // One entry per kill counted since the previous call: the cgroup path, or "" when only the host
  // counter saw it. The first call only takes the baseline.
  std::vector<std::string> update(const model::Snapshot& snap);

  std::size_t cgroups_tracked() const { return cgroups_.size(); }

 private:
  struct Counter {
    std::uint64_t inode = 0;
    std::uint64_t kills = 0;
  };

  // Per-cgroup deltas of this scan: `known` from counters seen before, `fresh` from new or
  // re-created cgroups. Replaces the map by this scan's cgroups.
  void cgroup_deltas(const model::Snapshot& snap, std::vector<std::string>& known,
                     std::vector<std::string>& fresh);

  std::map<std::string, Counter> cgroups_;
  std::optional<std::uint64_t> host_;
  // Cgroup kills read in the previous scan that the host counter (read before the cgroups) did
  // not show yet; they tag the next scan's host kills.
  std::vector<std::string> carried_;
  bool primed_ = false;
};

}  // namespace lw::analysis
