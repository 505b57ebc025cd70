#pragma once

// Headroom: how much a cgroup (and so a process in it) may still grow before the tightest limit
// of it and its ancestors. Computed here only; processes and cgroups use the same function.

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "model/snapshot.h"

namespace lw::analysis {

// Walks "/a/b/c" -> "/a/b" -> "/a" -> "/" -> "".
std::string parent_of(const std::string& path);
// "/" is 0, "/a" 1, "/a/b" 2.
int depth_of(const std::string& path);

struct Headroom {
  std::optional<double> bytes;         // the least room left, over the cgroup and its ancestors
  std::optional<std::uint64_t> limit;  // the tightest limit
};

// The cgroups of one scan by path, for headroom look-ups.
class CgroupIndex {
 public:
  explicit CgroupIndex(const std::vector<model::CgroupSample>& cgroups);

  // limit - usage over the cgroup at `path` and its ancestors; memory.high counts as a limit:
  // above it the kernel throttles and reclaims hard. Empty when no limit applies.
  Headroom headroom_of(const std::string& path) const;

 private:
  std::unordered_map<std::string, const model::CgroupSample*> by_path_;
};

}  // namespace lw::analysis
