#include "config/reload.h"

#include <catch2/catch.hpp>

using lw::config::Config;
using lw::config::keep_restart_only;
using lw::config::restart_only_changes;

TEST_CASE("config reload: keys applied live are not restart-only") {
  const Config running;
  Config next = running;
  next.web.allow = {"10.0.0.0/8"};
  next.web.basic_auth_users = {{"prom", "$2y$10$abcdefghijklmnopqrstuu"}};
  next.paths.state_dir = "/var/lib/elsewhere";
  next.log.level = "debug";
  CHECK(restart_only_changes(running, next).empty());
  Config kept = next;
  keep_restart_only(running, kept);
  CHECK(kept.web.allow == next.web.allow);
  CHECK(kept.web.basic_auth_users == next.web.basic_auth_users);
  CHECK(kept.paths.state_dir == "/var/lib/elsewhere");
  CHECK(kept.log.level == "debug");
}

TEST_CASE("config reload: restart-only keys are named in file order and keep their values") {
  const Config running;
  Config next = running;
  next.paths.kmsg = "/tmp/kmsg";
  next.web.listen = "127.0.0.1:1";
  next.web.threads = running.web.threads + 1;
  next.web.max_connections_per_address = running.web.max_connections_per_address + 1;
  next.paths.procfs = "/host/proc";
  CHECK(restart_only_changes(running, next) ==
        std::vector<std::string>{"web.listen", "web.threads", "web.max_connections_per_address",
                                 "paths.procfs", "paths.kmsg"});
  keep_restart_only(running, next);
  CHECK(next.web == running.web);
  CHECK(next.paths.procfs == running.paths.procfs);
  CHECK(next.paths.kmsg == running.paths.kmsg);
  CHECK(restart_only_changes(running, next).empty());
}
