// Cost of the per-process, per-scan parsers on this process's real files. Hidden ([.bench]): run
// with `procfs_tests "[.bench]"` (a Release or RelWithDebInfo build for real figures).

#include <cstdio>
#include <ctime>
#include <string>

#include <fcntl.h>

#include <catch2/catch.hpp>

#include "base/fd.h"
#include "procfs/pid_stat.h"
#include "procfs/pid_status.h"
#include "support/fake_root.h"

using namespace lw;
using namespace lw::procfs;

namespace {

// This thread's CPU time (user + system), so that other work on a shared machine does not count.
double thread_cpu_nanoseconds() {
  timespec ts{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e9 + static_cast<double>(ts.tv_nsec);
}

template <typename Fn>
double nanoseconds_per_call(int calls, Fn&& fn) {
  const double start = thread_cpu_nanoseconds();
  for (int i = 0; i < calls; ++i) {
    fn();
  }
  return (thread_cpu_nanoseconds() - start) / calls;
}

}  // namespace

TEST_CASE("parse bench: status and stat of /proc/self, 100k times each", "[procfs][.bench]") {
  const std::string status_text = testing::read_file("/proc/self/status");
  const std::string stat_text = testing::read_file("/proc/self/stat");
  REQUIRE_FALSE(status_text.empty());
  REQUIRE_FALSE(stat_text.empty());
  constexpr int kCalls = 100000;
  int ok = 0;
  const double status_ns = nanoseconds_per_call(
      kCalls, [&] { ok += parse_pid_status(status_text).has_value() ? 1 : 0; });
  const double stat_ns =
      nanoseconds_per_call(kCalls, [&] { ok += parse_pid_stat(stat_text).has_value() ? 1 : 0; });
  std::printf("parse_pid_status: %.0f ns CPU per call (%zu bytes)\n", status_ns,
              status_text.size());
  std::printf("parse_pid_stat:   %.0f ns CPU per call (%zu bytes)\n", stat_ns, stat_text.size());
  CHECK(ok == 2 * kCalls);
}

TEST_CASE("parse bench: read and parse /proc/self stat + status, 20k times", "[procfs][.bench]") {
  auto dir = open_at(AT_FDCWD, "/proc/self", O_RDONLY | O_DIRECTORY);
  REQUIRE(dir.has_value());
  ReadBuffer buf;
  constexpr int kCalls = 20000;
  int ok = 0;
  const double ns = nanoseconds_per_call(kCalls, [&] {
    ok += read_parsed(dir->get(), "stat", buf, parse_pid_stat).has_value() ? 1 : 0;
    ok += read_parsed(dir->get(), "status", buf, parse_pid_status).has_value() ? 1 : 0;
  });
  std::printf("read + parse stat and status: %.0f ns CPU per process\n", ns);
  CHECK(ok == 2 * kCalls);
}
