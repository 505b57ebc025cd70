// End to end at 1/60 time (fast_config_yaml): time to limit counts page cache as free room and
// tmpfs as used (README "Headroom"). Two cases, each in its own limited memory cgroup, each about
// 75 s (75 simulated minutes) from the limit to the OOM kill:
//   - a slow leaker beside a neighbour whose page cache fills the cgroup: the leaker's forecast
//     nearest mid-life is within 15 % of the time it really had left; the neighbour, whose own
//     memory is flat, is no suspect;
//   - a writer filling a /dev/shm file while its own memory stays flat: its cgroup is a suspect
//     and the cgroup's forecast nearest mid-life is within 15 %.

#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "support/daemon.h"
#include "support/fake_root.h"
#include "support/memory_cgroup.h"
#include "support/skip.h"

using namespace lw::testing;
using namespace std::chrono_literals;

namespace {

using Clock = std::chrono::steady_clock;

constexpr double kMiB = 1 << 20;
constexpr double kRate = 1 << 20;            // bytes/s: 60 MiB per simulated hour
constexpr double kLifeSeconds = 75;          // the limit leaves the growth this long
constexpr double kCacheFileMiB = 512;        // the neighbour's file: several times the limit
constexpr double kCacheReadRate = 8 * kMiB;  // bytes/s the neighbour reads it at

double seconds(Clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

// One key of a flat-keyed memory.stat; 0 when absent.
double stat_value(const std::string& text, std::string_view key) {
  std::size_t pos = 0;
  while (pos < text.size()) {
    const std::size_t nl = std::min(text.find('\n', pos), text.size());
    const std::string_view line = std::string_view(text).substr(pos, nl - pos);
    if (line.size() > key.size() && line.substr(0, key.size()) == key && line[key.size()] == ' ') {
      return std::stod(std::string(line.substr(key.size() + 1)));
    }
    pos = nl + 1;
  }
  return 0;
}

// The cgroup's unreclaimable memory now, by the README's formula (no swap on the test cgroups).
double unreclaimable_now(const TestCgroup& cg) {
  const std::string stat = read_file(cg.path() + "/memory.stat");
  if (cg.v1()) {
    return stat_value(stat, "total_rss") + stat_value(stat, "total_cache") -
           stat_value(stat, "total_active_file") - stat_value(stat, "total_inactive_file") +
           stat_value(stat, "total_dirty") + stat_value(stat, "total_writeback");
  }
  return static_cast<double>(cg.usage_bytes().value_or(0)) - stat_value(stat, "active_file") -
         stat_value(stat, "inactive_file") - stat_value(stat, "slab_reclaimable") +
         stat_value(stat, "file_dirty") + stat_value(stat, "file_writeback");
}

struct Forecast {
  double at = 0;  // seconds after the limit was set
  double seconds_to_limit = 0;
};

struct Observation {
  std::optional<double> first_suspect;  // of what the case watches (process or cgroup)
  bool other_suspect = false;           // the neighbour / the writer process was ever a suspect
  std::vector<Forecast> forecasts;
  double max_usage_ratio = 0;  // memory usage / limit, in the first half of the planned life
  std::optional<double> death;
  std::optional<int> wait_status;
};

// The forecast made nearest to `at`, if one was made within `tolerance` of it.
std::optional<Forecast> forecast_near(const std::vector<Forecast>& forecasts, double at,
                                      double tolerance) {
  std::optional<Forecast> best;
  for (const auto& f : forecasts) {
    if (!best || std::abs(f.at - at) < std::abs(best->at - at)) {
      best = f;
    }
  }
  if (best && std::abs(best->at - at) > tolerance) {
    return std::nullopt;
  }
  return best;
}

// Checks the forecast nearest mid-life against the time really left, and prints the trajectory.
void check_mid_life(const char* what, const Observation& o) {
  REQUIRE(o.death.has_value());
  const double life = *o.death;
  double next = 0;
  for (const auto& f : o.forecasts) {
    if (f.at >= next) {
      WARN("  " << what << " at +" << f.at << " s: seconds_to_limit " << f.seconds_to_limit
                << ", real time left " << life - f.at << " s");
      next = f.at + 10;
    }
  }
  INFO("life " << life << " s (planned " << kLifeSeconds << " s)");
  REQUIRE(life > kLifeSeconds / 2);
  const auto mid = forecast_near(o.forecasts, life / 2, 5);
  if (!mid) {
    FAIL("no " << what << " seconds_to_limit within 5 s of mid-life (" << life / 2 << " s)");
  }
  const double real_left = life - mid->at;
  const double error = (mid->seconds_to_limit - real_left) / real_left;
  WARN(what << " mid-life forecast at +" << mid->at << " s: " << mid->seconds_to_limit
            << " s; real " << real_left << " s; error " << error * 100 << " %; first suspect "
            << (o.first_suspect ? std::to_string(*o.first_suspect) + " s" : "never"));
  CHECK(std::abs(error) <= 0.15);
}

// Skips unless this host can run the case; returns the cgroup's name.
std::string cgroup_name(const char* tag) {
  return std::string("lw-test-") + tag + "-" + std::to_string(::getpid());
}

}  // namespace

TEST_CASE("headroom: a leaker beside a page-cache-heavy neighbour is forecast right",
          "[integration][e2e][headroom]") {
  if (::geteuid() != 0) {
    LW_SKIP("needs root to create a memory cgroup with a limit");
  }
  TestCgroup cg(cgroup_name("hrcache"));
  if (!cg.ok()) {
    LW_SKIP("no writable memory cgroup controller on this host (v1 memory, or v2 with memory)");
  }
  Daemon d(fast_config_yaml("export:\n  include:\n    - comm: \"lw-hr-.*\"\n"));
  REQUIRE(d.wait_scans(1, 20s));

  // The neighbour writes its file before "ready": the cache is in place before the limit.
  Child neighbour = Child::spawn(cg.wrap(
      {workload_path(), "--mode", "cachefill", "--name", "lw-hr-cache", "--base", "8",
       "--cache-file", std::to_string(kCacheFileMiB), "--rate", std::to_string(kCacheReadRate)}));
  REQUIRE(neighbour.wait_for_line("ready", 60s));
  Child leaker = Child::spawn(cg.wrap({workload_path(), "--mode", "leak", "--name", "lw-hr-leak",
                                       "--rate", std::to_string(kRate)}));
  REQUIRE(leaker.wait_for_line("ready", 30s));
  const auto limit = static_cast<std::uint64_t>(unreclaimable_now(cg) + kRate * kLifeSeconds);
  cg.set_limit(limit);
  const auto start = Clock::now();

  Observation o;
  const std::string pid = std::to_string(leaker.pid());
  const std::string neighbour_pid = std::to_string(neighbour.pid());
  wait_until(
      [&] {
        if (const auto status = leaker.poll_exit()) {
          o.death = seconds(Clock::now() - start);
          o.wait_status = status;
          return true;
        }
        const auto m = d.scrape();
        const double now = seconds(Clock::now() - start);
        if (now < kLifeSeconds / 2) {
          o.max_usage_ratio =
              std::max(o.max_usage_ratio, static_cast<double>(cg.usage_bytes().value_or(0)) /
                                              static_cast<double>(limit));
        }
        if (!o.first_suspect && find_sample(m, "leakwatch_process_leak_suspect",
                                            {{"pid", pid}, {"resource", "memory"}}) == 1.0) {
          o.first_suspect = now;
        }
        o.other_suspect =
            o.other_suspect || find_sample(m, "leakwatch_process_leak_suspect",
                                           {{"pid", neighbour_pid}, {"resource", "memory"}}) == 1.0;
        if (const auto f =
                find_sample(m, "leakwatch_process_seconds_to_limit",
                            {{"pid", pid}, {"resource", "memory"}, {"limit", "cgroup"}})) {
          o.forecasts.push_back({now, *f});
        }
        return false;
      },
      std::chrono::duration_cast<std::chrono::milliseconds>(3 * kLifeSeconds * 1s), 166ms);
  neighbour.stop(SIGTERM, 10s);
  WARN("page cache: usage reached " << o.max_usage_ratio * 100
                                    << " % of the limit in the leak's first half-life");
  REQUIRE(o.death.has_value());
  REQUIRE(WIFSIGNALED(*o.wait_status));
  CHECK(WTERMSIG(*o.wait_status) == SIGKILL);
  CHECK(cg.oom_kills().value_or(0) >= 1);
  // The scenario: cache really filled the cgroup (usage - the old headroom's base - near the
  // limit) while the leak had most of its life ahead.
  CHECK(o.max_usage_ratio >= 0.9);
  CHECK(o.first_suspect.has_value());
  CHECK_FALSE(o.other_suspect);
  check_mid_life("leaker", o);
}

TEST_CASE("headroom: a tmpfs writer with flat memory makes its cgroup a suspect, forecast right",
          "[integration][e2e][headroom]") {
  if (::geteuid() != 0) {
    LW_SKIP("needs root to create a memory cgroup with a limit");
  }
  TestCgroup cg(cgroup_name("hrshm"));
  if (!cg.ok()) {
    LW_SKIP("no writable memory cgroup controller on this host (v1 memory, or v2 with memory)");
  }
  Daemon d(fast_config_yaml("export:\n  include:\n    - comm: \"lw-hr-.*\"\n"));
  REQUIRE(d.wait_scans(1, 20s));

  Child writer = Child::spawn(cg.wrap({workload_path(), "--mode", "shmleak", "--name", "lw-hr-shm",
                                       "--base", "8", "--rate", std::to_string(kRate)}));
  REQUIRE(writer.wait_for_line("ready", 30s));
  cg.set_limit(static_cast<std::uint64_t>(unreclaimable_now(cg) + kRate * kLifeSeconds));
  const auto start = Clock::now();

  Observation o;
  const std::string pid = std::to_string(writer.pid());
  wait_until(
      [&] {
        // Killed by the OOM killer, or out after a failed write ("full"): the limit was reached.
        if (const auto status = writer.poll_exit()) {
          o.death = seconds(Clock::now() - start);
          o.wait_status = status;
          return true;
        }
        const auto m = d.scrape();
        const double now = seconds(Clock::now() - start);
        if (!o.first_suspect &&
            find_sample(m, "leakwatch_cgroup_leak_suspect", {{"cgroup", cg.rel()}}) == 1.0) {
          o.first_suspect = now;
        }
        o.other_suspect =
            o.other_suspect || find_sample(m, "leakwatch_process_leak_suspect",
                                           {{"pid", pid}, {"resource", "memory"}}) == 1.0;
        if (const auto f =
                find_sample(m, "leakwatch_cgroup_seconds_to_limit", {{"cgroup", cg.rel()}})) {
          o.forecasts.push_back({now, *f});
        }
        return false;
      },
      std::chrono::duration_cast<std::chrono::milliseconds>(3 * kLifeSeconds * 1s), 166ms);
  REQUIRE(o.death.has_value());
  writer.drain();
  const bool killed = WIFSIGNALED(*o.wait_status) && WTERMSIG(*o.wait_status) == SIGKILL;
  const bool full = WIFEXITED(*o.wait_status) && WEXITSTATUS(*o.wait_status) == 4;
  WARN("tmpfs writer ended " << (killed ? "by SIGKILL"
                                 : full ? "on a failed write"
                                        : "otherwise")
                             << "; output: " << writer.output());
  CHECK((killed || full));
  CHECK(o.first_suspect.has_value());
  CHECK_FALSE(o.other_suspect);  // its own (private) memory is flat: only the cgroup shows it
  check_mid_life("cgroup", o);
}
