#include "config/reload.h"

namespace lw::config {

std::vector<std::string> restart_only_changes(const Config& running, const Config& next) {
  std::vector<std::string> keys;
  const auto differs = [&keys](bool changed, const char* key) {
    if (changed) {
      keys.emplace_back(key);
    }
  };
  const Config::Web& a = running.web;
  const Config::Web& b = next.web;
  differs(a.listen != b.listen, "web.listen");
  differs(a.threads != b.threads, "web.threads");
  differs(a.request_timeout != b.request_timeout, "web.request_timeout");
  differs(a.header_timeout != b.header_timeout, "web.header_timeout");
  differs(a.max_connections != b.max_connections, "web.max_connections");
  differs(a.max_connections_per_address != b.max_connections_per_address,
          "web.max_connections_per_address");
  differs(running.paths.procfs != next.paths.procfs, "paths.procfs");
  differs(running.paths.sysfs != next.paths.sysfs, "paths.sysfs");
  differs(running.paths.kmsg != next.paths.kmsg, "paths.kmsg");
  return keys;
}

void keep_restart_only(const Config& running, Config& next) {
  const Config::Web web = next.web;
  next.web = running.web;
  next.web.basic_auth_users = web.basic_auth_users;
  next.web.allow = web.allow;
  const std::string state_dir = next.paths.state_dir;
  next.paths = running.paths;
  next.paths.state_dir = state_dir;
}

}  // namespace lw::config
