#pragma once

// What a SIGHUP may change in a running daemon. The listening socket, the HTTP server's threads
// and limits, and the roots (procfs, sysfs, kmsg) are set up once: a change to one of those keys
// needs a restart. Every other key applies live (web.basic_auth_users and web.allow at once, the
// rest at the next scan; paths.state_dir included: the next snapshot goes to the new one).

#include <string>
#include <vector>

#include "config/config.h"

namespace lw::config {

// The restart-only keys whose values differ between `running` and `next`, by their YAML names,
// in the order of the configuration file.
std::vector<std::string> restart_only_changes(const Config& running, const Config& next);

// `next` with every restart-only key set back to its running value, so that the configuration in
// use says what runs.
void keep_restart_only(const Config& running, Config& next);

}  // namespace lw::config
