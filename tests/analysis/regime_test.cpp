// Regimes (regime.h) on synthetic series: the verdict follows the series' current behaviour. Each
// series is replayed as the daemon sees it — the longest window (6 h) ending at successive times —
// and the verdict timeline is checked against the bounds README states: a leak is flagged within
// 2 x min_observed of its onset after any length of flat history, a leak that stops leaves the
// suspect state within min_observed, a jump to a plateau is a step and never a suspect.

#include "analysis/regime.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>

#include "analysis/synth.h"

namespace lw::analysis {
namespace {

using namespace synth;  // NOLINT(google-build-using-namespace): shapes and units

constexpr double kOld = 30 * 24 * kHour;
constexpr double kWindow = 6 * kHour;
constexpr double kStep = kMinute;  // how often the timeline is evaluated
const Thresholds kDefaults{};      // min_observed 15 min, 1 MiB/h and 5%/h

// The verdict at `now` (seconds since the series started) over the window ending there.
RegimeVerdict verdict_at(const std::vector<Sample>& s, double now) {
  const double t0 = s.front().t;
  const auto from = std::lower_bound(s.begin(), s.end(), t0 + now - kWindow,
                                     [](const Sample& a, double t) { return a.t < t; });
  const auto to = std::upper_bound(s.begin(), s.end(), t0 + now,
                                   [](double t, const Sample& a) { return t < a.t; });
  return classify_regime(std::span<const Sample>(&*from, static_cast<std::size_t>(to - from)), kOld,
                         kDefaults);
}

// The first time in [from, to] (seconds since start, every kStep) the verdict is a suspect.
std::optional<double> first_suspect(const std::vector<Sample>& s, double from, double to) {
  for (double now = from; now <= to; now += kStep) {
    if (verdict_at(s, now).verdict.suspect) {
      return now;
    }
  }
  return std::nullopt;
}

std::string describe(const RegimeVerdict& r, double t0) {
  return std::string(pattern_name(r.verdict.pattern)) +
         " suspect=" + std::to_string(r.verdict.suspect) +
         " change=" + std::string(change_name(r.regime.change)) + " regime from " +
         std::to_string(r.regime.start_t - t0) + " s";
}

TEST_CASE("regime: a leak after N hours of flat memory is flagged within 2 x min_observed",
          "[analysis][regime]") {
  constexpr double kBase = 200 * kMiB;  // 5%/h of it = 10 MiB/h, the relative threshold
  for (const double flat_hours : {0.5, 2.0, 4.0, 5.5, 10.0}) {
    for (const double per_hour : {20 * kMiB, 200 * kMiB}) {
      const double onset = flat_hours * kHour;
      const auto s = generate(late_linear(kBase, per_hour, onset),
                              Options().duration(onset + 2 * kHour).noise(256 * 1024));
      INFO("flat " << flat_hours << " h, then " << per_hour / kMiB << " MiB/h");
      // Not a suspect while flat.
      CHECK_FALSE(first_suspect(s, kMinute, onset));
      const auto flagged = first_suspect(s, onset, onset + 2 * kHour);
      REQUIRE(flagged);
      INFO("flagged " << (*flagged - onset) / kMinute << " min after the onset");
      CHECK(*flagged - onset <= 2 * kDefaults.min_observed_seconds);
      // The forecast's rate is the leak's, not the window's average.
      const RegimeVerdict r = verdict_at(s, *flagged);
      REQUIRE(r.verdict.rate_per_second);
      CHECK(*r.verdict.rate_per_second * kHour == Approx(per_hour).epsilon(0.15));
      CHECK(r.regime.start_t - s.front().t == Approx(onset).margin(15 * kMinute));
    }
  }
}

TEST_CASE("regime: a leak that stops leaves the suspect state within min_observed",
          "[analysis][regime]") {
  constexpr double kStart = 3 * kHour;
  constexpr double kStop = kStart + 2 * kHour;
  const Shape shape = [](double x) {
    return 300 * kMiB + 60 * kMiB * std::clamp(x - kStart, 0.0, kStop - kStart) / kHour;
  };
  const auto s = generate(shape, Options().duration(kStop + 3 * kHour).noise(512 * 1024));
  REQUIRE(verdict_at(s, kStop).verdict.suspect);
  for (double now = kStop + kDefaults.min_observed_seconds; now <= kStop + 3 * kHour;
       now += kStep) {
    const RegimeVerdict r = verdict_at(s, now);
    INFO((now - kStop) / kMinute << " min after the stop: " << describe(r, s.front().t));
    REQUIRE_FALSE(r.verdict.suspect);
    REQUIRE(r.verdict.pattern != Pattern::kLeak);
  }
}

TEST_CASE("regime: a jump followed by a flat floor is a step, not a leak onset",
          "[analysis][regime]") {
  constexpr double kJump = 3 * kHour;
  const auto s = generate(change_at(200 * kMiB, 260 * kMiB, kJump),
                          Options().duration(kJump + 2 * kHour).noise(256 * 1024));
  CHECK_FALSE(first_suspect(s, kMinute, kJump + 2 * kHour));
  for (double now = kJump + kDefaults.min_observed_seconds; now <= kJump + 2 * kHour;
       now += kStep) {
    const RegimeVerdict r = verdict_at(s, now);
    INFO((now - kJump) / kMinute << " min after the jump: " << describe(r, s.front().t));
    REQUIRE(r.verdict.pattern == Pattern::kStep);
  }
}

TEST_CASE("regime: a sawtooth whose floor starts rising becomes a leak", "[analysis][regime]") {
  constexpr double kOnset = 4 * kHour;
  constexpr double kPeriod = 5 * kMinute;
  const Shape shape = [](double x) {
    const double floor = 300 * kMiB + 60 * kMiB * std::max(0.0, x - kOnset) / kHour;
    return floor + 80 * kMiB * std::fmod(x, kPeriod) / kPeriod;
  };
  const auto s = generate(shape, Options().duration(kOnset + 2 * kHour).noise(1 * kMiB));
  // Its cycles are one regime while the floor holds.
  for (double now = kHour; now <= kOnset; now += 10 * kMinute) {
    const RegimeVerdict r = verdict_at(s, now);
    INFO(now / kMinute << " min: " << describe(r, s.front().t));
    REQUIRE(r.verdict.pattern == Pattern::kSawtooth);
    REQUIRE(r.regime.change == Regime::Change::kNone);
  }
  const auto flagged = first_suspect(s, kOnset, kOnset + 2 * kHour);
  REQUIRE(flagged);
  INFO("flagged " << (*flagged - kOnset) / kMinute << " min after the onset");
  CHECK(*flagged - kOnset <= 2 * kDefaults.min_observed_seconds + kPeriod);
}

TEST_CASE("regime: noise around a flat floor with one outlier burst stays one regime",
          "[analysis][regime]") {
  for (const double burst : {+400 * kMiB, -150 * kMiB}) {
    INFO("burst " << burst / kMiB << " MiB");
    constexpr double kAt = 3 * kHour;
    const Shape shape = [burst](double x) {
      return 200 * kMiB + (x >= kAt && x < kAt + 5 * kMinute ? burst : 0.0);
    };
    const auto s = generate(shape, Options().duration(kAt + 3 * kHour).noise(4 * kMiB));
    for (double now = kHour; now <= kAt + 3 * kHour; now += 5 * kMinute) {
      const RegimeVerdict r = verdict_at(s, now);
      INFO(now / kMinute << " min: " << describe(r, s.front().t));
      REQUIRE_FALSE(r.verdict.suspect);
      REQUIRE(r.verdict.pattern != Pattern::kLeak);
      REQUIRE(r.verdict.pattern != Pattern::kGrowing);
    }
  }
}

TEST_CASE("regime: a series with no change has no regime and classify()'s verdict",
          "[analysis][regime]") {
  const auto s = generate(linear(200 * kMiB, 30 * kMiB), Options().noise(1 * kMiB));
  const RegimeVerdict r = classify_regime(s, kOld, kDefaults);
  CHECK(r.regime.change == Regime::Change::kNone);
  CHECK(r.regime.start_t == s.front().t);
  CHECK_FALSE(r.from_regime);
  CHECK(r.verdict.pattern == classify(s, kOld, kDefaults).pattern);
  CHECK(current_regime({}, kDefaults).change == Regime::Change::kNone);
}

// What an incremental analysis (issue 10, item 2) could save: a full analysis of one channel over
// a full window (2,161 samples, 6 h at 10 s) against the same functions over one representative
// per bucket (40 for classify(), 192 fine buckets for the regime at min_observed / 8), which is the
// least an analysis kept as closed buckets would still run on each update. Figures in
// tests/bench/RESULTS.md; run with `analysis_tests "[.bench]"` on a Release build.
TEST_CASE("regime: cost of a full analysis and of its bucket-level part",
          "[analysis][regime][.bench]") {
  const auto s = generate(sawtooth(300 * kMiB, 100 * kMiB, 20 * kMinute, 20 * kMiB),
                          Options().noise(1 * kMiB));
  REQUIRE(s.size() == 2161);
  // The buckets' (mean time, median): what closed buckets would keep.
  const auto medians = [&s](std::size_t buckets) {
    std::vector<Sample> out;
    for (const Bucket& b : bucketize(s, buckets)) {
      out.push_back({.t = b.t, .v = b.median});
    }
    return out;
  };
  const std::vector<Sample> per_bucket = medians(kMaxBuckets);
  const std::vector<Sample> per_fine_bucket = medians(192);  // 6 h of min_observed / 8
  const auto micros = [](int calls, const auto& call) {
    const auto start = std::chrono::steady_clock::now();
    int leaks = 0;
    for (int i = 0; i < calls; ++i) {
      leaks += call() ? 1 : 0;
    }
    const std::chrono::duration<double, std::micro> took = std::chrono::steady_clock::now() - start;
    return std::pair{took.count() / calls, leaks};
  };
  const auto [full, full_leaks] = micros(
      500, [&] { return classify_regime(s, kOld, kDefaults).verdict.pattern == Pattern::kLeak; });
  const auto [window, window_leaks] =
      micros(2000, [&] { return classify(per_bucket, kOld, kDefaults).pattern == Pattern::kLeak; });
  const Regime::Change whole = current_regime(s, kDefaults).change;
  const Regime::Change from_medians = current_regime(per_fine_bucket, kDefaults).change;
  const auto [fine, fine_same] = micros(
      2000, [&] { return current_regime(per_fine_bucket, kDefaults).change == from_medians; });
  std::printf(
      "full analysis %.1f us on %zu samples; bucket level: classify %.1f us on %zu, regime "
      "%.1f us on %zu\n",
      full, s.size(), window, per_bucket.size(), fine, per_fine_bucket.size());
  CHECK(full_leaks == 500);  // a rising sawtooth is a leak, from its samples or its buckets
  CHECK(window_leaks == 2000);
  // The regime reads the fine buckets' medians, but its noise from the samples' differences: fed
  // the medians alone, it takes the teeth for noise-free steps and finds a change the whole
  // series does not have. A bucket-level analysis is a different classifier, not a cheaper one.
  std::printf("regime: %s from the samples, %s from the fine buckets' medians alone\n",
              std::string(change_name(whole)).c_str(),
              std::string(change_name(from_medians)).c_str());
  CHECK(whole == Regime::Change::kNone);
  CHECK(fine_same == 2000);
}

}  // namespace
}  // namespace lw::analysis
