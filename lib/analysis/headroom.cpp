#include "analysis/headroom.h"

#include <algorithm>

namespace lw::analysis {

std::string parent_of(const std::string& path) {
  if (path.empty() || path == "/") {
    return "";
  }
  const auto pos = path.rfind('/');
  if (pos == 0 || pos == std::string::npos) {
    return "/";
  }
  return path.substr(0, pos);
}

int depth_of(const std::string& path) {
  if (path == "/" || path.empty()) {
    return 0;
  }
  return static_cast<int>(std::count(path.begin(), path.end(), '/'));
}

CgroupIndex::CgroupIndex(const std::vector<model::CgroupSample>& cgroups) {
  for (const auto& c : cgroups) {
    by_path_[c.path] = &c;
  }
}

Headroom CgroupIndex::headroom_of(const std::string& path) const {
  Headroom h;
  for (std::string p = path; !p.empty(); p = parent_of(p)) {
    const auto it = by_path_.find(p);
    if (it == by_path_.end()) {
      continue;
    }
    const model::CgroupSample& c = *it->second;
    for (const auto& lim : {c.limit_bytes, c.high_bytes}) {
      if (!lim) {
        continue;
      }
      const double usage = static_cast<double>(c.usage_bytes.value_or(0));
      const double room = std::max(0.0, static_cast<double>(*lim) - usage);
      if (!h.bytes || room < *h.bytes) {
        h.bytes = room;
      }
      if (!h.limit || *lim < *h.limit) {
        h.limit = *lim;
      }
    }
  }
  return h;
}

}  // namespace lw::analysis
