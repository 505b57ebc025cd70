#include "cgroup/naming.h"

#include <optional>
#include <string>
#include <string_view>

#include <catch2/catch.hpp>

using namespace lw::cgroup;

namespace {

constexpr std::string_view kId = "3f1c9a2b7d4e5f60718293a4b5c6d7e8f90123456789abcdef0123456789abcd";
const std::string kIdStr(kId);

struct UnitCase {
  std::string path;
  std::optional<std::string> unit;
};

struct ContainerCase {
  std::string path;
  std::string_view runtime;
  std::optional<std::string> pod_uid;
};

}  // namespace

TEST_CASE("naming: systemd unit of a cgroup path", "[cgroup][naming]") {
  const auto c = GENERATE(values<UnitCase>({
      {"/system.slice/nginx.service", "nginx.service"},
      {"/user.slice/user-1000.slice/session-3.scope", "session-3.scope"},
      {"/user.slice/user-1000.slice/user@1000.service/app.slice/app-gnome-firefox-1234.scope",
       "app-gnome-firefox-1234.scope"},
      {"/system.slice/nginx.service/worker", "nginx.service"},  // delegated sub-cgroup
      {"/user.slice/user-1000.slice", "user-1000.slice"},
      {"/system.slice", "system.slice"},
      {"/system.slice/var-lib-docker.mount", "var-lib-docker.mount"},
      {"/system.slice/system-getty.slice/getty@tty1.service", "getty@tty1.service"},
      {"/init.scope", "init.scope"},
      {"/system.slice/docker.socket", "docker.socket"},
      {"/", std::nullopt},
      {"", std::nullopt},
      {"/docker/" + std::string(kId), std::nullopt},
      {"/kubepods/burstable", std::nullopt},
      {"/system.slice/.service", "system.slice"},  // ".service" alone is no unit name
  }));
  INFO(c.path);
  CHECK(systemd_unit(c.path) == c.unit);
}

TEST_CASE("naming: container ids of the common runtimes", "[cgroup][naming]") {
  const auto c = GENERATE(values<ContainerCase>({
      {"/docker/" + kIdStr, "docker", std::nullopt},
      {"/system.slice/docker-" + kIdStr + ".scope", "docker", std::nullopt},
      {"/system.slice/cri-containerd-" + kIdStr + ".scope", "containerd", std::nullopt},
      {"/machine.slice/libpod-" + kIdStr + ".scope", "podman", std::nullopt},
      {"/machine.slice/libpod-" + kIdStr + ".scope/container", "podman", std::nullopt},
      {"/system.slice/crio-" + kIdStr + ".scope", "crio", std::nullopt},
      {"/kubepods/burstable/pod9a4f1c3e-6b2d-4e8a-9c1f-0d2e3f4a5b6c/" + kIdStr, "",
       "9a4f1c3e-6b2d-4e8a-9c1f-0d2e3f4a5b6c"},
      {"/kubepods.slice/kubepods-burstable.slice/"
       "kubepods-burstable-pod9a4f1c3e_6b2d_4e8a_9c1f_0d2e3f4a5b6c.slice/cri-containerd-" +
           kIdStr + ".scope",
       "containerd", "9a4f1c3e-6b2d-4e8a-9c1f-0d2e3f4a5b6c"},
      {"/kubepods.slice/kubepods-pod9a4f1c3e_6b2d_4e8a_9c1f_0d2e3f4a5b6c.slice/crio-" + kIdStr +
           ".scope",
       "crio", "9a4f1c3e-6b2d-4e8a-9c1f-0d2e3f4a5b6c"},
      {"/system.slice/containerd.service/"
       "kubepods-besteffort-pod9a4f1c3e_6b2d_4e8a_9c1f_0d2e3f4a5b6c.slice:cri-containerd:" +
           kIdStr,
       "containerd", std::nullopt},
  }));
  INFO(c.path);
  const auto id = container_id(c.path);
  REQUIRE(id.has_value());
  CHECK(id->id == kId);
  CHECK(id->short_id == "3f1c9a2b7d4e");
  CHECK(id->runtime == c.runtime);
  CHECK(id->pod_uid == c.pod_uid);
}

TEST_CASE("naming: paths without a container", "[cgroup][naming]") {
  const std::string path = GENERATE(
      std::string("/"), std::string("/system.slice/nginx.service"),
      "/machine.slice/libpod-conmon-" + kIdStr + ".scope",  // podman's monitor, not the container
      "/docker/" + kIdStr.substr(1),                        // 63 digits
      "/docker/" + std::string(kId.substr(0, 63)) + "G",    // not hex
      "/docker/" + std::string(kId.substr(0, 63)) + "A",    // upper case: not an id
      "/system.slice/unknown-" + kIdStr + ".scope",         // unknown runtime prefix
      std::string("/kubepods/burstable/pod9a4f1c3e-6b2d-4e8a-9c1f-0d2e3f4a5b6c"));
  INFO(path);
  CHECK_FALSE(container_id(path).has_value());
}

TEST_CASE("naming: the deepest id wins", "[cgroup][naming]") {
  const std::string other(64, 'a');
  const auto id = container_id("/docker/" + other + "/docker/" + kIdStr);
  REQUIRE(id.has_value());
  CHECK(id->id == kId);
}
