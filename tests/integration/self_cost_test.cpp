// The daemon's account of its own cost, read back from the real leakwatchd's /metrics: the scan
// duration is the whole cycle, its four phases tile it, and the CPU counter is the process's.

#include <array>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <unistd.h>

#include <catch2/catch.hpp>

#include "support/daemon.h"

using namespace lw::testing;
using namespace std::chrono_literals;

namespace {

constexpr std::array<const char*, 4> kPhases = {"sample", "smaps", "analysis", "publish"};

// utime + stime of a process from /proc/<pid>/stat (fields 14 and 15, after the ')' of comm),
// seconds. Clock ticks: resolution 1/CLK_TCK.
double proc_cpu_seconds(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto close = text.rfind(')');
  REQUIRE(close != std::string::npos);
  std::istringstream fields(text.substr(close + 2));  // field 3 (state) onwards
  std::vector<std::string> f;
  for (std::string tok; fields >> tok;) {
    f.push_back(tok);
  }
  REQUIRE(f.size() > 12);
  const double ticks = std::stod(f[11]) + std::stod(f[12]);  // fields 14, 15
  return ticks / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

struct SelfCost {
  double scans = 0;
  double count = 0;  // leakwatch_scan_duration_seconds_count
  double sum = 0;
  std::array<double, kPhases.size()> phases{};
  double cpu = 0;
};

SelfCost read_self_cost(const std::vector<MetricSample>& samples) {
  SelfCost c;
  std::size_t phase_series = 0;
  for (const auto& s : samples) {
    phase_series += s.name == "leakwatch_scan_phase_seconds_total" ? 1 : 0;
  }
  CHECK(phase_series == kPhases.size());  // no phase besides the four
  const auto must = [&](const char* name, const std::map<std::string, std::string>& labels = {}) {
    const auto v = find_sample(samples, name, labels);
    INFO(name);
    REQUIRE(v);
    return *v;
  };
  c.scans = must("leakwatch_scans_total");
  c.count = must("leakwatch_scan_duration_seconds_count");
  c.sum = must("leakwatch_scan_duration_seconds_sum");
  for (std::size_t i = 0; i < kPhases.size(); ++i) {
    c.phases.at(i) = must("leakwatch_scan_phase_seconds_total", {{"phase", kPhases.at(i)}});
  }
  c.cpu = must("leakwatch_daemon_cpu_seconds_total");
  return c;
}

}  // namespace

TEST_CASE("daemon: self-cost: a whole-cycle scan duration tiled by four phases and the process CPU",
          "[integration]") {
  Daemon d(fast_config_yaml());
  REQUIRE(d.wait_scans(3, 20s));
  const double cpu_before = proc_cpu_seconds(d.process().pid());
  const SelfCost a = read_self_cost(d.scrape());
  REQUIRE(d.wait_scans(a.scans + 3, 20s));
  const SelfCost b = read_self_cost(d.scrape());
  const double cpu_after = proc_cpu_seconds(d.process().pid());

  // A report cannot hold the time spent publishing it: cycles are counted once they are over.
  CHECK(a.count == a.scans - 1);
  CHECK(b.count == b.scans - 1);
  REQUIRE(b.count - a.count >= 3);

  double phases = 0;
  for (std::size_t i = 0; i < kPhases.size(); ++i) {
    INFO("phase " << kPhases.at(i));
    CHECK(b.phases.at(i) >= a.phases.at(i));  // counters never go down
    phases += b.phases.at(i) - a.phases.at(i);
  }
  // Sampling /proc and building the report take real time; a phase left unmeasured reads 0.
  CHECK(b.phases.at(0) > a.phases.at(0));
  CHECK(b.phases.at(2) > a.phases.at(2));
  // The phases lie inside the cycles and leave nothing of them out. A duration that stopped before
  // the report was built (as before version 2) falls short of the phases by the analysis and
  // publish time of three cycles, milliseconds; the tolerance is rounding only.
  const double duration = b.sum - a.sum;
  INFO("duration " << duration << " s, phases " << phases << " s");
  CHECK(phases <= duration + 1e-6);
  CHECK(phases >= duration - 1e-6);

  // The daemon's CPU: non-decreasing, in seconds, and the whole process's (/proc agrees within
  // its clock-tick resolution).
  const double tick = 1.0 / static_cast<double>(::sysconf(_SC_CLK_TCK));
  CHECK(b.cpu > a.cpu);
  CHECK(b.cpu >= cpu_before - 2 * tick);  // read at the end of a cycle after cpu_before
  CHECK(b.cpu <= cpu_after + 2 * tick);
}
