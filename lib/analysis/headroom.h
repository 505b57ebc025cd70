#pragma once

// Headroom: how much a cgroup (and so a process in it) may still grow before the tightest limit
// of it and its ancestors OOM-kills or throttles it. Computed here only; processes and cgroups
// use the same function. Room is measured against unreclaimable memory, not usage: the kernel
// reclaims page cache before it kills anything (README "Headroom").

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "analysis/report.h"
#include "model/snapshot.h"

namespace lw::analysis {

// Walks "/a/b/c" -> "/a/b" -> "/a" -> "/" -> "".
std::string parent_of(const std::string& path);
// "/" is 0, "/a" 1, "/a/b" 2.
int depth_of(const std::string& path);

struct Headroom {
  std::optional<double> bytes;         // the least room left, over the cgroup and its ancestors
  std::optional<std::uint64_t> limit;  // the tightest limit
  std::optional<HeadroomTerms> terms;  // of the limit with the least room
  // The cgroup whose limit has the least room (points into the scan; valid while it lives): its
  // unreclaimable growth is what a process's time to that limit divides by.
  const model::CgroupSample* binding = nullptr;
};

// Swap the cgroup may still fill: nullopt without swap accounting (no memory.swap.current / v1
// total_swap); otherwise the host's free swap, capped by the cgroup's own swap limit (v2
// memory.swap.max - memory.swap.current; v1 memsw.limit - limit - total_swap, the part of the
// memory+swap limit beyond the memory limit not yet used). Assumes the kernel swaps anon out
// before it kills (swappiness > 0).
std::optional<std::uint64_t> swap_room(const model::CgroupSample& c,
                                       std::optional<std::uint64_t> host_swap_free);

// The headroom terms of one cgroup against one of its limits.
HeadroomTerms headroom_terms(const model::CgroupSample& c, std::uint64_t limit,
                             const char* limit_kind, std::optional<std::uint64_t> host_swap_free);

// The cgroups of one scan by path, for headroom look-ups.
class CgroupIndex {
 public:
  CgroupIndex(const std::vector<model::CgroupSample>& cgroups,
              std::optional<std::uint64_t> host_swap_free);

  // limit - unreclaimable (+ swap room) over the cgroup at `path` and its ancestors; memory.high
  // counts as a limit ("cgroup_high"): above it the kernel throttles and reclaims hard. Empty
  // when no limit applies.
  Headroom headroom_of(const std::string& path) const;

 private:
  std::unordered_map<std::string, const model::CgroupSample*> by_path_;
  std::optional<std::uint64_t> host_swap_free_;
};

}  // namespace lw::analysis
