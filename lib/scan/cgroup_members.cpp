#include "scan/cgroup_members.h"

#include <cstdint>
#include <string_view>
#include <unordered_map>

namespace lw::scan {

void count_members(std::span<const model::ProcessSample> processes,
                   std::vector<model::CgroupSample>& cgroups) {
  std::unordered_map<std::string_view, std::uint32_t> members;
  members.reserve(cgroups.size());
  for (const model::CgroupSample& c : cgroups) {
    members.emplace(c.path, 0);
  }
  for (const model::ProcessSample& p : processes) {
    if (const auto it = members.find(p.cgroup); it != members.end()) {
      ++it->second;
    }
  }
  for (model::CgroupSample& c : cgroups) {
    c.processes = members.at(c.path);
  }
}

}  // namespace lw::scan
