#include "cgroup/namespace.h"

#include <catch2/catch.hpp>

using namespace lw::cgroup;

TEST_CASE("cgroup namespace: leading ups and pure ups", "[cgroup][namespace]") {
  CHECK(leading_ups("/../../system.slice/x.service") == 2);
  CHECK(leading_ups("/system.slice/..") == 0);
  CHECK(leading_ups("/") == 0);
  CHECK(only_ups("/../.."));
  CHECK(only_ups("/.."));
  CHECK_FALSE(only_ups("/"));
  CHECK_FALSE(only_ups("/../x"));
  CHECK_FALSE(only_ups(""));
}

TEST_CASE("cgroup namespace: paths resolve against the namespace root, never to '/..'",
          "[cgroup][namespace]") {
  const std::optional<std::string> docker = "/system.slice/docker-abc.scope";
  // A host service next to the container, a user session, the container itself.
  CHECK(resolve_ns_path("/../x.service", docker) == "/system.slice/x.service");
  CHECK(resolve_ns_path("/../../user.slice/user-1000.slice", docker) ==
        "/user.slice/user-1000.slice");
  CHECK(resolve_ns_path("/../../init.scope", docker) == "/init.scope");
  CHECK(resolve_ns_path("/", docker) == "/system.slice/docker-abc.scope");
  CHECK(resolve_ns_path("/app", docker) == "/system.slice/docker-abc.scope/app");
  // Above the hierarchy's root: the root we know is wrong, so the path is unknown.
  CHECK_FALSE(resolve_ns_path("/../../../x", docker).has_value());
  CHECK_FALSE(resolve_ns_path("relative", docker).has_value());

  // No namespace root known: plain paths as they are, climbing ones unknown (never "/..").
  CHECK(resolve_ns_path("/system.slice/x.service", std::nullopt) == "/system.slice/x.service");
  CHECK(resolve_ns_path("/", std::nullopt) == "/");
  CHECK_FALSE(resolve_ns_path("/../../system.slice/x.service", std::nullopt).has_value());
  // The host's own view (root "/"): nothing changes.
  CHECK(resolve_ns_path("/system.slice/x.service", std::string("/")) == "/system.slice/x.service");
}

TEST_CASE("cgroup namespace: the root is where the daemon found itself, minus its own path",
          "[cgroup][namespace]") {
  CHECK(namespace_root_from("/system.slice/docker-abc.scope", "/") ==
        "/system.slice/docker-abc.scope");
  CHECK(namespace_root_from("/kubepods.slice/pod1/cri-x.scope/init", "/init") ==
        "/kubepods.slice/pod1/cri-x.scope");
  CHECK_FALSE(namespace_root_from("/a/b", "/c").has_value());
  CHECK_FALSE(namespace_root_from("/a", "/a/b").has_value());
}
