#include "cgroup/naming.h"

#include <array>
#include <cstddef>
#include <vector>

namespace lw::cgroup {

namespace {

constexpr std::size_t kIdLength = 64;
constexpr std::size_t kShortIdLength = 12;
constexpr std::size_t kUidLength = 36;  // 8-4-4-4-12

constexpr bool is_lower_hex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

bool is_id(std::string_view s) {
  if (s.size() != kIdLength) {
    return false;
  }
  for (const char c : s) {
    if (!is_lower_hex(c)) {
      return false;
    }
  }
  return true;
}

// "<prefix>.<suffix>" with a non-empty prefix.
bool has_unit_suffix(std::string_view name, std::string_view suffix) {
  return name.size() > suffix.size() && name.ends_with(suffix);
}

constexpr std::array<std::string_view, 2> kLeafSuffixes{".service", ".scope"};
constexpr std::array<std::string_view, 9> kOtherSuffixes{
    ".slice", ".socket", ".mount", ".swap", ".device", ".target", ".path", ".timer", ".automount"};

template <std::size_t N>
bool has_any_suffix(std::string_view name, const std::array<std::string_view, N>& suffixes) {
  for (const auto suffix : suffixes) {
    if (has_unit_suffix(name, suffix)) {
      return true;
    }
  }
  return false;
}

struct Runtime {
  std::string_view prefix;  // before the id, with its separator
  std::string_view name;
};

// Each prefix must be the whole text before the id, so "libpod-conmon-" matches none.
constexpr std::array<Runtime, 7> kRuntimes{{
    {"docker-", "docker"},
    {"cri-containerd-", "containerd"},
    {"crio-", "crio"},
    {"libpod-", "podman"},
    {"cri-containerd:", "containerd"},  // "...pod<uid>.slice:cri-containerd:<id>" (no systemd)
    {"docker:", "docker"},
    {"crio:", "crio"},
}};

// Runtime and id from one component; nullopt when it carries none.
std::optional<std::pair<std::string_view, std::string_view>> id_in(std::string_view part) {
  if (part.ends_with(".scope")) {
    part.remove_suffix(6);
  }
  if (is_id(part)) {
    return std::pair{std::string_view{}, part};
  }
  if (part.size() <= kIdLength) {
    return std::nullopt;
  }
  const std::string_view id = part.substr(part.size() - kIdLength);
  if (!is_id(id)) {
    return std::nullopt;
  }
  std::string_view before = part.substr(0, part.size() - kIdLength);
  // "kubepods-<qos>-pod<uid>.slice:cri-containerd:<id>" (containerd's systemd driver naming
  // outside systemd): the runtime is what follows the first ':'.
  if (const auto colon = before.find(':'); colon != std::string_view::npos) {
    before.remove_prefix(colon + 1);
  }
  for (const auto& rt : kRuntimes) {
    if (before == rt.prefix) {
      return std::pair{rt.name, id};
    }
  }
  return std::nullopt;
}

bool is_uid(std::string_view s) {
  if (s.size() != kUidLength) {
    return false;
  }
  for (std::size_t i = 0; i < s.size(); ++i) {
    const bool dash_pos = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash_pos ? s[i] != '-' : !is_lower_hex(s[i])) {
      return false;
    }
  }
  return true;
}

// "pod<uid>" (cgroupfs driver) or "kubepods[-<qos>]-pod<uid_with_underscores>.slice" (systemd).
std::optional<std::string> pod_uid_in(std::string_view part) {
  std::string_view rest;
  if (part.starts_with("pod")) {
    rest = part.substr(3);
  } else if (part.starts_with("kubepods") && part.ends_with(".slice")) {
    const auto pos = part.rfind("-pod");
    if (pos == std::string_view::npos) {
      return std::nullopt;
    }
    rest = part.substr(pos + 4, part.size() - pos - 4 - 6);
  } else {
    return std::nullopt;
  }
  std::string uid(rest);
  for (char& c : uid) {
    if (c == '_') {
      c = '-';
    }
  }
  if (!is_uid(uid)) {
    return std::nullopt;
  }
  return uid;
}

}  // namespace

std::optional<std::string> systemd_unit(std::string_view cgroup_path) {
  const auto parts = path_components(cgroup_path);
  // Deepest first.
  for (std::size_t i = parts.size(); i-- > 0;) {
    if (has_any_suffix(parts[i], kLeafSuffixes)) {
      return std::string(parts[i]);
    }
  }
  for (std::size_t i = parts.size(); i-- > 0;) {
    if (has_any_suffix(parts[i], kOtherSuffixes)) {
      return std::string(parts[i]);
    }
  }
  return std::nullopt;
}

std::optional<ContainerId> container_id(std::string_view cgroup_path) {
  const auto parts = path_components(cgroup_path);
  for (std::size_t i = parts.size(); i-- > 0;) {
    const auto found = id_in(parts[i]);
    if (!found) {
      continue;
    }
    ContainerId out;
    out.id = std::string(found->second);
    out.short_id = out.id.substr(0, kShortIdLength);
    out.runtime = found->first;
    if (out.runtime.empty() && i > 0 && parts[i - 1] == "docker") {
      out.runtime = "docker";
    }
    bool under_kubepods = false;
    for (std::size_t j = 0; j < i; ++j) {
      if (parts[j].starts_with("kubepods")) {
        under_kubepods = true;
      }
      if (under_kubepods && !out.pod_uid) {
        out.pod_uid = pod_uid_in(parts[j]);
      }
    }
    return out;
  }
  return std::nullopt;
}

std::vector<std::string_view> path_components(std::string_view path) {
  std::vector<std::string_view> out;
  while (!path.empty()) {
    const auto slash = path.find('/');
    const std::string_view part = path.substr(0, slash);
    if (!part.empty()) {
      out.push_back(part);
    }
    if (slash == std::string_view::npos) {
      break;
    }
    path.remove_prefix(slash + 1);
  }
  return out;
}

}  // namespace lw::cgroup
