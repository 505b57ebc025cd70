// `leakwatchd --analyze`: recorded series in each accepted shape, judged by the daemon's own code.

#include <cmath>
#include <string>

#include <catch2/catch.hpp>

#include "support/daemon.h"

using namespace lw::testing;

namespace {
std::string two_digits(int v) {
  // Appended, not `"0" + std::to_string(v)`: GCC 12 at -O3 reports a false -Wrestrict
  // (overlapping memcpy) inside std::string's insert, which that operator+ uses.
  std::string out(v < 10 ? "0" : "");
  out += std::to_string(v);
  return out;
}
}  // namespace

TEST_CASE("analyze: a ps-loop log of a steady leak is a leak with a forecast", "[integration]") {
  FakeRoot tmp;
  std::string log;
  for (int m = 0; m < 240; ++m) {  // 4 h, one line a minute, +30 MiB/h (7.5 %/h) on 400 MiB
    const long kib = 409600 + m * 512;
    log += "2026-11-20 " + two_digits(10 + m / 60) + ":" + two_digits(m % 60) +
           ":00 RSS: " + std::to_string(kib) + " KB\n";
  }
  tmp.file("rss.log", log);
  const auto [rc, out] =
      run_command(daemon_path() + " --analyze " + (tmp / "rss.log").string() + " --limit 1GiB");
  INFO(out);
  CHECK(rc == 0);
  CHECK(out.find("LEAK SUSPECT") != std::string::npos);
  CHECK(out.find("leak") != std::string::npos);
  CHECK(out.find("1.0 GiB") != std::string::npos);
}

TEST_CASE("analyze: a CSV of a GC sawtooth is not a leak", "[integration]") {
  FakeRoot tmp;
  std::string csv = "timestamp,bytes\n";
  for (int i = 0; i < 720; ++i) {  // 2 h at 10 s; rises 40 MiB over 10 min, falls back
    const double t = 1795000000.0 + i * 10.0;
    const long bytes = (200L << 20) + static_cast<long>((i % 60) * (40L << 20) / 60);
    csv += std::to_string(static_cast<long>(t)) + "," + std::to_string(bytes) + "\n";
  }
  tmp.file("gc.csv", csv);
  const auto [rc, out] = run_command(daemon_path() + " --analyze " + (tmp / "gc.csv").string());
  INFO(out);
  CHECK(rc == 0);
  CHECK(out.find("LEAK SUSPECT") == std::string::npos);
  CHECK(out.find("sawtooth") != std::string::npos);
}

TEST_CASE("analyze: a malformed file names the line and fails", "[integration]") {
  FakeRoot tmp;
  tmp.file("bad.csv", "1795000000,100\n1795000010,lots\n");
  const auto [rc, out] = run_command(daemon_path() + " --analyze " + (tmp / "bad.csv").string());
  CHECK(rc != 0);
  CHECK(out.find("line 2") != std::string::npos);
}

TEST_CASE("analyze: an endless file is refused at the read limit, a missing one by name",
          "[integration]") {
  // /dev/zero never ends: before the limit --analyze read it until memory ran out.
  const auto [rc, out] = run_command(daemon_path() + " --analyze /dev/zero");
  CHECK(rc != 0);
  CHECK(out.find("/dev/zero: larger than the read limit (268435456 bytes)") != std::string::npos);
  FakeRoot tmp;
  const auto missing = (tmp / "none.csv").string();
  const auto [rc2, out2] = run_command(daemon_path() + " --analyze " + missing);
  CHECK(rc2 != 0);
  CHECK(out2.find(missing) != std::string::npos);
  CHECK(out2.find("No such file") != std::string::npos);
}
