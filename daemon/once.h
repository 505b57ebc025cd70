#pragma once

// `leakwatchd --once`: sample for a while without serving, then print a report for a person
// (text) or a machine (prometheus, json). Works without root: what it may not read is counted
// and said.

#include <chrono>
#include <iosfwd>
#include <string>

#include "config/config.h"

namespace lw::daemon {

struct OnceOptions {
  std::chrono::milliseconds duration{0};  // 0: one scan
  std::string format = "text";
};

int run_once(const config::Config& cfg, const OnceOptions& options, std::ostream& out,
             std::ostream& err);

}  // namespace lw::daemon
