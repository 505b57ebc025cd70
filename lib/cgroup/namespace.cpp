#include "cgroup/namespace.h"

#include <vector>

#include "cgroup/naming.h"

namespace lw::cgroup {

namespace {

std::string join(const std::vector<std::string_view>& parts) {
  if (parts.empty()) {
    return "/";
  }
  std::string out;
  for (const std::string_view part : parts) {
    out += '/';
    out += part;
  }
  return out;
}

}  // namespace

std::size_t leading_ups(std::string_view path) {
  std::size_t n = 0;
  for (const std::string_view part : path_components(path)) {
    if (part != "..") {
      break;
    }
    ++n;
  }
  return n;
}

bool only_ups(std::string_view path) {
  const auto parts = path_components(path);
  return !parts.empty() && leading_ups(path) == parts.size();
}

std::optional<std::string> resolve_ns_path(std::string_view path,
                                           const std::optional<std::string>& ns_root) {
  if (path.empty() || path.front() != '/') {
    return std::nullopt;
  }
  const auto parts = path_components(path);
  bool climbs = false;
  for (const std::string_view part : parts) {
    climbs = climbs || part == ".." || part == ".";
  }
  if (!climbs) {
    return ns_root ? resolve_ns_path(*ns_root + std::string(path), std::nullopt)
                   : std::optional<std::string>(join(parts));
  }
  if (!ns_root) {
    return std::nullopt;
  }
  std::vector<std::string_view> out = path_components(*ns_root);
  for (const std::string_view part : parts) {
    if (part == "..") {
      if (out.empty()) {
        return std::nullopt;  // above the hierarchy's root: the namespace root is wrong
      }
      out.pop_back();
    } else if (part != ".") {
      out.push_back(part);
    }
  }
  return join(out);
}

std::optional<std::string> namespace_root_from(std::string_view found, std::string_view own) {
  auto f = path_components(found);
  const auto o = path_components(own);
  if (o.size() > f.size()) {
    return std::nullopt;
  }
  for (std::size_t i = 0; i < o.size(); ++i) {
    if (f[f.size() - o.size() + i] != o[i]) {
      return std::nullopt;
    }
  }
  f.resize(f.size() - o.size());
  return join(f);
}

}  // namespace lw::cgroup
