// End to end at 1/60 time (fast_config_yaml: interval 166ms, windows 15s/1m/6m, min_observed 15s,
// rate_period 1m): the production leak. A service runs flat for hours, then a deploy makes it
// leak. Here a process holds its memory flat for four simulated hours of the six-hour window,
// then leaks inside a memory cgroup whose limit gives the leak about 75 s (75 simulated minutes)
// to live, until the kernel OOM-kills it. The daemon must flag it early in that life and forecast
// its death from the leak's rate, not from the window's mostly flat history.

#include <chrono>
#include <cmath>
#include <csignal>
#include <optional>
#include <string>
#include <vector>

#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "support/daemon.h"
#include "support/memory_cgroup.h"
#include "support/skip.h"

using namespace lw::testing;
using namespace std::chrono_literals;

namespace {

using Clock = std::chrono::steady_clock;

constexpr double kFlatSeconds = 240;   // 4 of the 6 simulated hours of the longest window
constexpr double kLeakRate = 1 << 20;  // bytes/s: 60 MiB per simulated hour
constexpr double kLifeSeconds = 75;    // the cgroup limit leaves the leak this long
constexpr double kBaseMiB = 20;

double seconds(Clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

struct Forecast {
  double at = 0;                // seconds after the onset
  double seconds_to_limit = 0;  // what the daemon said then
  std::string limit;            // which limit: "cgroup" is the one that kills
};

// What the daemon said about the victim, scan by scan, until the kernel killed it. Times are
// seconds after the leak's onset (negative: during the flat stretch).
struct Observation {
  std::optional<double> first_suspect;
  std::vector<Forecast> forecasts;
  std::string last_pattern;         // the pattern of the last scrape before the death
  std::optional<double> last_rate;  // ... and its growth rate over the longest window
  std::optional<double> death;
  std::optional<int> wait_status;
};

std::string pattern_of(const std::vector<MetricSample>& m, const std::string& pid) {
  for (const char* p : {"flat", "warmup", "sawtooth", "step", "noisy", "growing", "leak"}) {
    if (find_sample(m, "leakwatch_process_growth_pattern", {{"pid", pid}, {"pattern", p}}) == 1.0) {
      return p;
    }
  }
  return "(none)";
}

// Scrapes once per scan interval until the victim has exited (or the timeout passes).
Observation watch_until_death(Daemon& d, Child& victim, Clock::time_point onset,
                              std::chrono::milliseconds timeout) {
  Observation o;
  const std::string pid = std::to_string(victim.pid());
  wait_until(
      [&] {
        if (const auto status = victim.poll_exit()) {
          o.death = seconds(Clock::now() - onset);
          o.wait_status = status;
          return true;
        }
        const auto m = d.scrape();
        const double now = seconds(Clock::now() - onset);
        if (!o.first_suspect && find_sample(m, "leakwatch_process_leak_suspect",
                                            {{"pid", pid}, {"resource", "memory"}}) == 1.0) {
          o.first_suspect = now;
        }
        for (const auto& sample : m) {
          if (sample.name == "leakwatch_process_seconds_to_limit" &&
              sample.labels.at("pid") == pid && sample.labels.at("resource") == "memory") {
            o.forecasts.push_back({now, sample.value, sample.labels.at("limit")});
          }
        }
        if (!m.empty()) {
          o.last_pattern = pattern_of(m, pid);
          o.last_rate = find_sample(m, "leakwatch_process_memory_growth_bytes_per_second",
                                    {{"pid", pid}, {"window", "6m"}});
        }
        return false;
      },
      timeout, 166ms);
  return o;
}

// The forecast made nearest to `at`, if one was made within `tolerance` of it.
std::optional<Forecast> forecast_near(const std::vector<Forecast>& forecasts, double at,
                                      double tolerance) {
  std::optional<Forecast> best;
  for (const auto& f : forecasts) {
    if (f.limit != "cgroup") {
      continue;
    }
    if (!best || std::abs(f.at - at) < std::abs(best->at - at)) {
      best = f;
    }
  }
  if (best && std::abs(best->at - at) > tolerance) {
    return std::nullopt;
  }
  return best;
}

void report(const Observation& o) {
  WARN("late onset: first suspect "
       << (o.first_suspect ? std::to_string(*o.first_suspect) + " s after the onset" : "never")
       << "; OOM-killed " << o.death.value_or(-1) << " s after the onset; last pattern "
       << o.last_pattern << ", 6m rate "
       << (o.last_rate ? std::to_string(*o.last_rate / (1 << 20)) + " MiB/s" : "absent")
       << " (real " << kLeakRate / (1 << 20) << " MiB/s); " << o.forecasts.size() << " forecasts");
  // The forecast's trajectory, about every 10 s of the leak's life.
  double next = 0;
  for (const auto& f : o.forecasts) {
    if (f.at >= next && o.death) {
      WARN("  at onset+" << f.at << " s: seconds_to_limit{limit=" << f.limit << "} "
                         << f.seconds_to_limit << ", real time left " << *o.death - f.at << " s");
      next = f.at + 10;
    }
  }
}

}  // namespace

TEST_CASE("late onset: a leak after hours of flat memory is flagged early and forecast right",
          "[integration][e2e][late_onset]") {
  if (::geteuid() != 0) {
    LW_SKIP("needs root to create a memory cgroup with a limit");
  }
  TestCgroup cg("lw-test-late-" + std::to_string(::getpid()));
  if (!cg.ok()) {
    LW_SKIP("no writable memory cgroup controller on this host (v1 memory, or v2 with memory)");
  }
  Daemon d(fast_config_yaml("export:\n  include:\n    - comm: \"lw-late-.*\"\n"));
  REQUIRE(d.wait_scans(1, 20s));

  Child victim =
      Child::spawn(cg.wrap({workload_path(), "--mode", "lateleak", "--name", "lw-late-leak",
                            "--base", std::to_string(kBaseMiB), "--flat-seconds",
                            std::to_string(kFlatSeconds), "--rate", std::to_string(kLeakRate)}));
  REQUIRE(victim.wait_for_line("ready", 30s));
  const auto onset = Clock::now() + std::chrono::duration_cast<Clock::duration>(kFlatSeconds * 1s);
  // The base is in place before "ready", so what the cgroup holds now is the flat level.
  const auto flat_usage = cg.usage_bytes();
  REQUIRE(flat_usage.has_value());
  cg.set_limit(*flat_usage + static_cast<std::uint64_t>(kLeakRate * kLifeSeconds));

  const auto timeout =
      std::chrono::duration_cast<std::chrono::milliseconds>((kFlatSeconds + 3 * kLifeSeconds) * 1s);
  const Observation o = watch_until_death(d, victim, onset, timeout);
  report(o);
  REQUIRE(o.death.has_value());
  victim.drain();
  CHECK(victim.output().find("onset") != std::string::npos);
  REQUIRE(WIFSIGNALED(*o.wait_status));
  CHECK(WTERMSIG(*o.wait_status) == SIGKILL);
  CHECK(cg.oom_kills().value_or(0) >= 1);
  const double life = *o.death;
  INFO("leak life " << life << " s (planned " << kLifeSeconds << " s)");
  REQUIRE(life > kLifeSeconds / 2);

  // Flagged after the onset (a flat process is no suspect), before the death, and in the first
  // half of the leak's life.
  if (o.first_suspect) {
    CHECK(*o.first_suspect >= 0);
    CHECK(*o.first_suspect <= 0.5 * life);
  } else {
    FAIL_CHECK("never a leak suspect before the kernel killed it");
  }

  // The forecast nearest mid-life is within 15 % of the time the process really had left.
  const auto mid = forecast_near(o.forecasts, life / 2, 5);
  if (!mid) {
    FAIL("no seconds_to_limit{limit=\"cgroup\"} within 5 s of mid-life (" << life / 2 << " s)");
  }
  const double real_left = life - mid->at;
  const double error = (mid->seconds_to_limit - real_left) / real_left;
  WARN("mid-life forecast at onset+" << mid->at << " s: " << mid->seconds_to_limit
                                     << " s to the limit; real " << real_left << " s; error "
                                     << error * 100 << " %");
  CHECK(std::abs(error) <= 0.15);
}
