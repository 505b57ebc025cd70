#include "analysis/headroom.h"

#include <algorithm>

#include "base/text.h"

namespace lw::analysis {

namespace {

std::uint64_t minus_or_zero(std::uint64_t a, std::uint64_t b) {
  return a > b ? a - b : 0;
}

}  // namespace

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

std::optional<std::uint64_t> swap_room(const model::CgroupSample& c,
                                       std::optional<std::uint64_t> host_swap_free) {
  if (!c.swap_bytes) {
    return std::nullopt;
  }
  std::uint64_t room = host_swap_free.value_or(0);
  if (c.swap_limit_bytes) {
    const std::uint64_t own =
        c.version == model::CgroupVersion::kV2
            ? minus_or_zero(*c.swap_limit_bytes, *c.swap_bytes)
            : minus_or_zero(*c.swap_limit_bytes,
                            c.limit_bytes.value_or(*c.swap_limit_bytes) + *c.swap_bytes);
    room = std::min(room, own);
  }
  return room;
}

HeadroomTerms headroom_terms(const model::CgroupSample& c, std::uint64_t limit,
                             const char* limit_kind, std::optional<std::uint64_t> host_swap_free) {
  HeadroomTerms t{.cgroup = text::sanitize_utf8(c.path, 512),
                  .limit_kind = limit_kind,
                  .limit_bytes = limit,
                  .charged_bytes = c.charged_bytes().value_or(0),
                  .active_file_bytes = c.active_file_bytes,
                  .inactive_file_bytes = c.inactive_file_bytes,
                  .slab_reclaimable_bytes = c.slab_reclaimable_bytes,
                  .dirty_bytes = c.dirty_bytes,
                  .writeback_bytes = c.writeback_bytes,
                  .swap_used_bytes = c.swap_bytes,
                  .unreclaimable_bytes = c.unreclaimable_bytes().value_or(0),
                  .swap_room_bytes = swap_room(c, host_swap_free)};
  // Swapped-out pages are unreclaimable but no longer in RAM, where the limit applies.
  const std::uint64_t in_memory = minus_or_zero(t.unreclaimable_bytes, c.swap_bytes.value_or(0));
  t.headroom_bytes = static_cast<double>(minus_or_zero(limit, in_memory)) +
                     static_cast<double>(t.swap_room_bytes.value_or(0));
  return t;
}

CgroupIndex::CgroupIndex(const std::vector<model::CgroupSample>& cgroups,
                         std::optional<std::uint64_t> host_swap_free)
    : host_swap_free_(host_swap_free) {
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
    // memory.high throttles rather than kills; it names the limit only when strictly tighter.
    for (const auto& [limit, kind] :
         {std::pair{c.limit_bytes, "cgroup"}, std::pair{c.high_bytes, "cgroup_high"}}) {
      if (!limit) {
        continue;
      }
      HeadroomTerms t = headroom_terms(c, *limit, kind, host_swap_free_);
      if (!h.bytes || t.headroom_bytes < *h.bytes) {
        h.bytes = t.headroom_bytes;
        h.terms = std::move(t);
        h.binding = &c;
      }
      if (!h.limit || *limit < *h.limit) {
        h.limit = *limit;
      }
    }
  }
  return h;
}

}  // namespace lw::analysis
