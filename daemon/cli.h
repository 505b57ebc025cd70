#pragma once

// leakwatchd's command line: the options, their usage text, and getopt_long over argv.

#include <optional>
#include <string>

namespace lw::daemon {

extern const char* const kUsage;

struct CliArgs {
  std::optional<std::string> config, listen, proc_root, sys_root, check_config, analyze, limit,
      duration, format, attribute;
  bool once = false, version = false, help = false;
};

// Fills `args` from argv; returns the message for bad usage ("--config needs a value",
// "unknown argument '--bogus'"), which the caller prints with kUsage and exit status 2.
// GNU forms work too: "--config=FILE", and a unique prefix such as "--conf FILE".
std::optional<std::string> parse_cli(int argc, char** argv, CliArgs& args);

}  // namespace lw::daemon
