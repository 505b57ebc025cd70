#pragma once

// Human names for a cgroup path (as in /proc/<pid>/cgroup, relative to the hierarchy root): the
// systemd unit that owns it (systemd.unit(5) name suffixes; systemd.resource-control(5) for the
// slice/scope tree) and the container it belongs to, following the cgroup names that docker,
// containerd (CRI), CRI-O, podman and the kubelet create with the cgroupfs and systemd drivers:
//   /docker/<64hex>                                              docker, cgroupfs driver
//   /system.slice/docker-<64hex>.scope                           docker, systemd driver
//   /system.slice/cri-containerd-<64hex>.scope                   containerd CRI, systemd driver
//   /machine.slice/libpod-<64hex>.scope                          podman
//   /kubepods/burstable/pod<uid>/<64hex>                         kubelet, cgroupfs driver
//   /kubepods.slice/kubepods-burstable.slice/
//       kubepods-burstable-pod<uid_with_underscores>.slice/cri-containerd-<64hex>.scope
// Pure string functions; no I/O.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lw::cgroup {

// The unit owning the cgroup: the deepest component that is a .service or .scope, else the
// deepest component with any other unit suffix (.slice, .socket, .mount, .swap, ...). A process
// in "/system.slice/nginx.service/worker" (a delegated sub-cgroup) belongs to "nginx.service".
// nullopt when no component is a unit name ("/", "/docker/<id>").
// "/a/b/" -> {"a", "b"}; empty components (doubled or trailing '/') are dropped.
std::vector<std::string_view> path_components(std::string_view path);

std::optional<std::string> systemd_unit(std::string_view cgroup_path);

struct ContainerId {
  std::string id;            // 64 lowercase hex digits
  std::string short_id;      // the first 12, as `docker ps` shows
  std::string_view runtime;  // "docker", "containerd", "crio", "podman", or "" when the path does
                             // not say (a bare id under /kubepods)
  std::optional<std::string> pod_uid;  // the Kubernetes pod UID (with dashes) when under kubepods
};

// The deepest component that carries a container id: a bare 64-hex name, or
// "<runtime>-<64hex>[.scope]" / "...:<runtime>:<64hex>" with a known runtime prefix. podman's
// "libpod-conmon-<id>.scope" (the monitor process, not the container) is not a container.
std::optional<ContainerId> container_id(std::string_view cgroup_path);

}  // namespace lw::cgroup
