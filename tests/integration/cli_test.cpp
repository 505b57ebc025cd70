// leakwatchd's command line (daemon/cli.cpp, getopt_long): bad usage is exit status 2 with one
// message and the usage text; nothing here starts the daemon.

#include <string>

#include <catch2/catch.hpp>

#include "support/daemon.h"

using namespace lw::testing;

TEST_CASE("cli: bad usage names the argument and exits 2", "[integration][cli]") {
  const auto [args, message] = GENERATE(table<std::string, std::string>({
      {"--bogus", "leakwatchd: unknown argument '--bogus'\n"},
      {"operand", "leakwatchd: unknown argument 'operand'\n"},
      {"-x", "leakwatchd: unknown argument '-x'\n"},
      {"--", "leakwatchd: unknown argument '--'\n"},
      {"--help=yes", "leakwatchd: unknown argument '--help=yes'\n"},
      {"--config", "leakwatchd: --config needs a value\n"},
      {"--once --format", "leakwatchd: --format needs a value\n"},
  }));
  CAPTURE(args);
  const auto [rc, out] = run_command(daemon_path() + " " + args);
  CHECK(rc == 2);
  CHECK(out.starts_with(message + "\nusage: leakwatchd "));
}

TEST_CASE("cli: --help and --version print and exit 0", "[integration][cli]") {
  const auto [help_rc, help] = run_command(daemon_path() + " --help");
  CHECK(help_rc == 0);
  CHECK(help.starts_with("usage: leakwatchd [--config FILE]"));
  const auto [version_rc, version] = run_command(daemon_path() + " -V");
  CHECK(version_rc == 0);
  CHECK(version.starts_with("leakwatchd "));
}

TEST_CASE("cli: an option's value may be given with '='", "[integration][cli]") {
  FakeRoot tmp;
  tmp.file("c.yaml", "scan:\n  interval: 10s\n");
  const auto [rc, out] =
      run_command(daemon_path() + " --check-config=" + (tmp / "c.yaml").string());
  INFO(out);
  CHECK(rc == 0);
  CHECK(out.ends_with(": ok\n"));
}
