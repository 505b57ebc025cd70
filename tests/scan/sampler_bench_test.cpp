// Cost of one ProcessSampler scan of this host's real /proc (stat, status and the fd count per
// process; limits, cgroup on first sight only). Hidden ([.bench]): run with
// `scan_tests "[.bench]"` in a Release or RelWithDebInfo build.

#include <cstdio>
#include <ctime>
#include <vector>

#include <catch2/catch.hpp>

#include "scan/process_sampler.h"

using namespace lw;
using namespace lw::scan;

namespace {

// This thread's CPU time (user + system), so that other work on a shared machine does not count.
double thread_cpu_milliseconds() {
  timespec ts{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

}  // namespace

TEST_CASE("sampler bench: scans of the real /proc", "[scan][.bench]") {
  ProcessSampler sampler(ProcessSamplerOptions{});
  REQUIRE(sampler.open().has_value());
  std::vector<model::ProcessSample> samples;
  model::ScanStats stats;
  const model::SteadyTime now{std::chrono::seconds(1)};
  sampler.sample(now, samples, stats);  // first sight: cgroup and limits of every process
  constexpr int kScans = 200;
  std::size_t sampled = 0;
  const double start = thread_cpu_milliseconds();
  for (int i = 0; i < kScans; ++i) {
    sampler.sample(now, samples, stats);
    sampled += samples.size();
  }
  const double per_scan = (thread_cpu_milliseconds() - start) / kScans;
  const double processes = static_cast<double>(sampled) / kScans;
  std::printf("ProcessSampler::sample: %.3f ms CPU per scan, %.0f processes, %.2f us each\n",
              per_scan, processes, per_scan * 1e3 / processes);
  CHECK(sampled > 0);
}
