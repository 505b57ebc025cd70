#pragma once

// Cgroup paths seen from inside a private cgroup namespace (cgroup_namespaces(7)). The kernel
// prints /proc/<pid>/cgroup paths, and the root field (4) of a cgroup mount in
// /proc/self/mountinfo, relative to the reader's namespace root: a host process seen from a
// container with its own namespace reads "/../../system.slice/x.service". These helpers turn such
// paths into paths of the hierarchy ("/system.slice/x.service") once the namespace root is known,
// and say when it is not, so no label ever contains "/..". Pure: no I/O.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace lw::cgroup {

// Number of leading "/.." components ("/../../a" -> 2; "/a/.." -> 0).
std::size_t leading_ups(std::string_view path);

// True when the path is only "/.." components, at least one ("/../..").
bool only_ups(std::string_view path);

// `path` (absolute, relative to the namespace root) as a path of the hierarchy, given where that
// root is in the hierarchy (`ns_root`, absolute, e.g. "/system.slice/docker-1.scope").
//   resolve_ns_path("/../x.service", "/system.slice/d.scope") -> "/system.slice/x.service"
//   resolve_ns_path("/", "/system.slice/d.scope")             -> "/system.slice/d.scope"
// Without a known root (nullopt) a path with no ".." is returned as is (no namespace, or a
// process inside ours) and one with ".." is unknown (nullopt). A path that climbs above the
// hierarchy's root, or is not absolute, is unknown too.
std::optional<std::string> resolve_ns_path(std::string_view path,
                                           const std::optional<std::string>& ns_root);

// The namespace root from where the daemon found itself: `found` is the hierarchy path of the
// cgroup whose cgroup.procs lists the daemon, `own` its path in /proc/self/cgroup (relative to the
// namespace root). The root is `found` without `own`'s components at its end:
//   ("/system.slice/d.scope/init", "/init") -> "/system.slice/d.scope";  ("/a/b", "/") -> "/a/b".
// nullopt when `found` does not end with `own`.
std::optional<std::string> namespace_root_from(std::string_view found, std::string_view own);

}  // namespace lw::cgroup
