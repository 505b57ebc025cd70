#include "cgroup/layout.h"

#include "base/text.h"

namespace lw::cgroup {

namespace {

// The entry that wins among those matching: the first, unless a later one shadows it.
void consider(const MountEntry& entry, const MountEntry*& chosen) {
  if (chosen == nullptr || chosen->mount_point == entry.mount_point) {
    chosen = &entry;
  }
}

std::string_view without_trailing_slashes(std::string_view path) {
  while (path.size() > 1 && path.back() == '/') {
    path.remove_suffix(1);
  }
  return path;
}

}  // namespace

std::string_view to_string(CgroupLayoutKind kind) {
  switch (kind) {
    case CgroupLayoutKind::kV2:
      return "v2";
    case CgroupLayoutKind::kV1:
      return "v1";
    case CgroupLayoutKind::kHybrid:
      return "hybrid";
    case CgroupLayoutKind::kNone:
      break;
  }
  return "none";
}

CgroupLayout locate_cgroups(const std::vector<MountEntry>& mounts) {
  const MountEntry* v1_memory = nullptr;
  const MountEntry* unified = nullptr;
  for (const MountEntry& m : mounts) {
    if (m.fs_type == "cgroup2") {
      consider(m, unified);
    } else if (m.fs_type == "cgroup" && has_option(m.super_options, "memory")) {
      consider(m, v1_memory);
    }
  }
  CgroupLayout out;
  if (unified != nullptr) {
    out.unified_mount_point = unified->mount_point;
    out.unified_mount_root = unified->root;
  }
  if (v1_memory != nullptr) {
    out.kind = unified != nullptr ? CgroupLayoutKind::kHybrid : CgroupLayoutKind::kV1;
    out.memory_mount_point = v1_memory->mount_point;
    out.memory_mount_root = v1_memory->root;
  } else if (unified != nullptr) {
    out.kind = CgroupLayoutKind::kV2;
    out.memory_mount_point = unified->mount_point;
    out.memory_mount_root = unified->root;
  }
  return out;
}

bool lists_controller(std::string_view controllers_text, std::string_view controller) {
  std::string_view rest = text::trim(controllers_text);
  for (std::string_view token = text::next_token(rest); !token.empty();
       token = text::next_token(rest)) {
    if (token == controller) {
      return true;
    }
  }
  return false;
}

std::string reroot_mount_point(std::string_view mount_point, std::string_view sys_root) {
  sys_root = without_trailing_slashes(sys_root);
  constexpr std::string_view kSys = "/sys";
  if (mount_point == kSys || (mount_point.starts_with(kSys) && mount_point.size() > kSys.size() &&
                              mount_point[kSys.size()] == '/')) {
    std::string out(sys_root == "/" ? std::string_view{} : sys_root);
    out += mount_point.substr(kSys.size());
    return out.empty() ? std::string("/") : out;
  }
  // Not under /sys: re-root under sys_root's parent, the presumed host root.
  const auto slash = sys_root.rfind('/');
  const std::string_view host_root =
      slash == std::string_view::npos ? std::string_view(".") : sys_root.substr(0, slash);
  std::string out(host_root);
  out += mount_point;
  return out;
}

}  // namespace lw::cgroup
