// Incremental analysis (process_analysis.h): a process's verdicts are recomputed only when its
// samples leave the range the last analysis saw or the window has slid far enough. Property: over
// random series, every recomputed result equals a from-scratch analysis of the same history (a new
// store and analyser fed the same scans), and a reused result is never older than the bounds
// process_analysis.h states.

#include <chrono>
#include <cstdint>
#include <optional>
#include <random>
#include <vector>

#include <catch2/catch.hpp>

#include "analysis/process_analysis.h"
#include "store/series_store.h"

namespace lw::analysis {
namespace {

constexpr std::int64_t kStepS = 10;
constexpr double kBootWall = 1.7e9;
constexpr std::uint64_t kKiB = 1024;
const model::ProcessId kId{4242, 7};

AnalysisOptions options() {
  AnalysisOptions o;
  o.windows = {std::chrono::minutes(5), std::chrono::minutes(15), std::chrono::hours(6)};
  o.window_labels = {"5m", "15m", "6h"};  // refresh: 6h / 40 = 9 min
  o.memory.min_observed_seconds = 300;    // fine interval 37.5 s
  o.memory.warmup_grace_seconds = 60;
  o.fds.min_observed_seconds = 300;
  o.fds.min_growth_ratio_per_hour = 0;
  o.fds.min_growth_bytes_per_hour = 10;
  return o;
}

model::Snapshot scan(int n, std::uint64_t anon, std::uint64_t fds) {
  model::Snapshot s;
  s.taken_at = model::SteadyTime(std::chrono::seconds(1000 + n * kStepS));
  s.wall_time =
      model::WallTime(std::chrono::seconds(static_cast<std::int64_t>(kBootWall) + n * kStepS));
  model::ProcessSample p;
  p.id = kId;
  p.comm = "worker";
  p.start_time_seconds = kBootWall - 86400;
  p.anon_bytes = anon;
  p.rss_bytes = anon;
  p.swap_bytes = 0;
  p.open_fds = fds;
  p.max_fds = 1024;
  s.processes.push_back(p);
  return s;
}

// A random series of scans: piecewise flat, leaking, stepping and noisy stretches.
std::vector<model::Snapshot> random_scans(std::uint64_t seed, int count) {
  std::mt19937_64 rng(seed);
  std::vector<model::Snapshot> out;
  double anon = 50.0 * 1024 * kKiB;
  double fds = 20;
  double slope = 0;
  double noise = 0;
  for (int n = 0; n < count; ++n) {
    if (n % 30 == 0) {  // a new stretch every 5 minutes
      slope = (rng() % 3 == 0) ? static_cast<double>(rng() % 64) * kKiB : 0.0;
      noise = static_cast<double>(rng() % 4) * 64.0 * kKiB;
      if (rng() % 5 == 0) {
        anon += static_cast<double>(rng() % 16) * 1024 * kKiB;  // a step
      }
    }
    anon += slope;
    fds = std::max(3.0, fds + static_cast<double>(static_cast<int>(rng() % 3) - 1));
    const double jitter = noise * (static_cast<double>(rng() % 1001) / 500.0 - 1.0);
    out.push_back(
        scan(n, static_cast<std::uint64_t>(anon + jitter), static_cast<std::uint64_t>(fds)));
  }
  return out;
}

struct Run {
  AnalysisOptions opts = options();
  store::SeriesStore store{{.interval = std::chrono::seconds(kStepS)}};
  ProcessAnalyser analyser{opts};
  ProcessVerdictState state;

  ProcessAnalysis step(const model::Snapshot& s) {
    store.append(s, {});
    const auto now_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(s.taken_at.time_since_epoch())
            .count();
    const double wall = std::chrono::duration<double>(s.wall_time.time_since_epoch()).count();
    return analyser.analyse(store, *store.find(kId), state, now_ms, wall);
  }
};

void check_same(const ResourceVerdict& a, const ResourceVerdict& b) {
  CHECK(a.pattern == b.pattern);
  CHECK(a.score == b.score);
  CHECK(a.suspect == b.suspect);
  CHECK(a.seconds_to_limit == b.seconds_to_limit);
  CHECK(a.regime_since_seconds == b.regime_since_seconds);
  CHECK(a.regime_change == b.regime_change);
}

void check_same_rates(const WindowRates& a, const WindowRates& b) {
  REQUIRE(a.size() == b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    CHECK(a[i].bytes_per_second == b[i].bytes_per_second);
    CHECK(a[i].fds_per_second == b[i].fds_per_second);
  }
}

TEST_CASE("incremental: recomputed results equal a from-scratch analysis of random series",
          "[analysis][incremental]") {
  for (std::uint64_t seed = 1; seed <= 12; ++seed) {
    INFO("seed " << seed);
    const auto scans = random_scans(seed, 240);
    Run live;
    const double fine = live.opts.memory.min_observed_seconds / kRecomputesPerMinObserved;
    const double move = live.opts.memory.min_observed_seconds / kMoveRecomputesPerMinObserved;
    std::size_t recomputed = 0;
    for (std::size_t n = 0; n < scans.size(); ++n) {
      INFO("scan " << n);
      const ProcessAnalysis got = live.step(scans[n]);
      const double now_s = static_cast<double>(1000 + static_cast<std::int64_t>(n) * kStepS);
      const ReanalysisClock& cache = live.state.cache.clock;
      if (!cache.valid || live.state.cache.flat) {
        continue;  // too short: nothing cached; flat: reused until a sample differs
      }
      // A reused result is never older than the bounds.
      CHECK(now_s - cache.analysed_at < refresh_seconds(live.opts) + kStepS);
      if (cache.watching) {
        CHECK(now_s - cache.analysed_at < fine);
      }
      if (cache.moved) {
        CHECK(now_s - cache.analysed_at < move);
      }
      if (cache.analysed_at != now_s) {
        continue;
      }
      ++recomputed;
      Run scratch;
      ProcessAnalysis want;
      for (std::size_t i = 0; i <= n; ++i) {
        want = scratch.step(scans[i]);
      }
      check_same(got.report.memory, want.report.memory);
      check_same(got.report.fds, want.report.fds);
      check_same_rates(got.report.rates, want.report.rates);
      CHECK(got.memory_rate == want.memory_rate);
    }
    CHECK(recomputed > 0);
    CHECK(recomputed < scans.size());
  }
}

TEST_CASE("incremental: the cost follows what changed", "[analysis][incremental]") {
  constexpr int kScans = 360;  // an hour
  SECTION("samples that stay in range are re-analysed once per refresh interval") {
    Run run;
    for (int n = 0; n < kScans; ++n) {
      const std::uint64_t wobble = (n % 2 == 0) ? 0 : 256 * kKiB;  // moves every scan, in range
      run.step(scan(n, 64 * 1024 * kKiB + wobble, 20 + static_cast<std::uint64_t>(n % 2)));
    }
    const double expected = kScans * kStepS / refresh_seconds(run.opts);
    CHECK(static_cast<double>(run.analyser.full_analyses()) <= expected + 2);
  }
  SECTION("a leak that leaves its range every scan is re-analysed every min_observed / 8") {
    Run run;
    for (int n = 0; n < kScans; ++n) {
      run.step(scan(n, 64 * 1024 * kKiB + static_cast<std::uint64_t>(n) * 64 * kKiB, 20));
    }
    const double fine = run.opts.memory.min_observed_seconds / kRecomputesPerMinObserved;
    const auto full = static_cast<double>(run.analyser.full_analyses());
    CHECK(full <= kScans * kStepS / fine + 2);
    CHECK(full >= kScans * kStepS / (fine + kStepS) - 2);
    // And it is a leak, from the reused results as from the recomputed ones.
    CHECK(run.state.pattern == "leak");
  }
  SECTION("a series that leaves its range without growing is re-analysed every min_observed / 4") {
    Run run;
    for (int n = 0; n < kScans; ++n) {
      // An oscillation that widens every scan: always out of range, never growth.
      const std::uint64_t swing = static_cast<std::uint64_t>(n) * 64 * kKiB;
      const std::uint64_t anon =
          512 * 1024 * kKiB + (n % 2 == 0 ? swing : 0) - (n % 2 == 0 ? 0 : swing);
      run.step(scan(n, anon, 20));
    }
    const double move = run.opts.memory.min_observed_seconds / kMoveRecomputesPerMinObserved;
    const auto full = static_cast<double>(run.analyser.full_analyses());
    CHECK(run.state.pattern != "leak");
    CHECK(run.state.pattern != "growing");
    CHECK(full <= kScans * kStepS / move + 2);
    CHECK(full >= kScans * kStepS / (move + kStepS) - 2);
  }
  SECTION("a leak that stops leaves the suspect state within min_observed") {
    Run run;
    constexpr int kStop = 720;  // 2 hours of leak (the whole window), then flat
    std::uint64_t anon = 64 * 1024 * kKiB;
    for (int n = 0; n <= kStop; ++n) {
      run.step(scan(n, anon += 64 * kKiB, 20));
    }
    REQUIRE(run.state.memory_suspect);
    std::optional<int> cleared;
    for (int n = kStop + 1; n < kStop + 120 && !cleared; ++n) {
      run.step(scan(n, anon, 20));
      if (!run.state.memory_suspect) {
        cleared = n;
      }
    }
    REQUIRE(cleared);
    CHECK((*cleared - kStop) * kStepS <= run.opts.memory.min_observed_seconds);
  }
}

TEST_CASE(
    "incremental: a reused analysis shares its rates with the report, a new one replaces them",
    "[analysis][incremental]") {
  Run run;
  ProcessAnalysis last;
  for (int n = 0; n < 30; ++n) {  // a wobble inside the range: reused after the first analysis
    last = run.step(scan(n, 64 * 1024 * kKiB + (n % 2 == 0 ? 0 : 256 * kKiB), 20));
  }
  const std::size_t analyses = run.analyser.full_analyses();
  REQUIRE(run.state.cache.clock.valid);
  REQUIRE(last.report.rates.size() == 3);
  const ProcessAnalysis reused = run.step(scan(30, 64 * 1024 * kKiB, 20));
  REQUIRE(run.analyser.full_analyses() == analyses);
  // The same immutable rates, not a copy: a reused scan allocates nothing for them.
  CHECK(reused.report.rates.begin() == last.report.rates.begin());
  CHECK(reused.report.rates.begin() == run.state.cache.rates.begin());
  // A sample far outside the range makes the next due analysis publish new rates; the report that
  // holds the old ones keeps them intact.
  ProcessAnalysis moved;
  int n = 31;
  while (run.analyser.full_analyses() == analyses && n < 400) {
    moved = run.step(scan(n++, 512 * 1024 * kKiB, 20));
  }
  REQUIRE(run.analyser.full_analyses() > analyses);
  CHECK(moved.report.rates.begin() != reused.report.rates.begin());
  REQUIRE(reused.report.rates.size() == 3);
  CHECK(reused.report.rates[0].window == "5m");
}

}  // namespace
}  // namespace lw::analysis
