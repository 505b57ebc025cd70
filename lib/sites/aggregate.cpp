#include "sites/aggregate.h"

#include <algorithm>
#include <map>

namespace lw::sites {

std::string stack_key(const std::vector<Frame>& frames) {
  std::string key;
  for (const auto& f : frames) {
    key += f.build_id.empty() ? f.module : f.build_id;
    key += '+';
    key += std::to_string(f.offset);
    key += ':';
    key += f.function;
    key += '\n';
  }
  return key;
}

Ranking rank_sites(const std::vector<RetainedSample>& samples, std::chrono::nanoseconds session,
                   std::size_t min_samples, std::size_t top) {
  Ranking r;
  std::map<std::string, Site> by_stack;
  for (const auto& s : samples) {
    r.total_bytes += s.weight;
    ++r.samples;
    if (s.frames.empty()) {
      continue;
    }
    r.unwound_bytes += s.weight;
    auto& site = by_stack[stack_key(s.frames)];
    if (site.frames.empty()) {
      site.frames = s.frames;
    }
    site.bytes += s.weight;
    ++site.samples;
  }
  r.enough = r.samples >= min_samples && r.samples > 0;
  const double secs = std::chrono::duration<double>(session).count();
  for (auto& [key, site] : by_stack) {
    site.share = r.total_bytes == 0
                     ? 0.0
                     : static_cast<double>(site.bytes) / static_cast<double>(r.total_bytes);
    site.bytes_per_second = secs > 0 ? static_cast<double>(site.bytes) / secs : 0.0;
    r.sites.push_back(std::move(site));
  }
  std::sort(r.sites.begin(), r.sites.end(), [](const Site& a, const Site& b) {
    return a.bytes != b.bytes ? a.bytes > b.bytes : a.samples > b.samples;
  });
  if (r.sites.size() > top) {
    r.sites.resize(top);
  }
  return r;
}

}  // namespace lw::sites
