#include "analysis/classify.h"

#include <chrono>
#include <cstdio>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "analysis/regime.h"
#include "analysis/synth.h"

namespace lw::analysis {
namespace {

using namespace synth;  // NOLINT(google-build-using-namespace): shapes and units

constexpr double kOld = 2 * 24 * kHour;  // a process started long before the window

struct Expect {
  Pattern pattern;
  bool suspect;
};

std::string describe(const Verdict& v) {
  std::ostringstream out;  // test-only diagnostics
  out << pattern_name(v.pattern) << " score=" << v.score << " suspect=" << v.suspect
      << " rate=" << v.rate_per_second.value_or(-1) * 3600 << "/h"
      << " floor=" << v.floor_rate_per_second.value_or(-1) * 3600 << "/h"
      << " observed=" << v.observed_seconds << "s";
  return out.str();
}

// Classifies the series as recorded, and again with every time and duration divided by 60 (how the
// daemon's integration tests run): both must give the expected pattern and suspect flag, and the
// same score.
Verdict expect_verdict(const std::vector<Sample>& s, double age, Expect e,
                       const Thresholds& th = {}, std::optional<Expect> regime_expect = {}) {
  const Verdict v1 = classify(s, age, th);
  const std::vector<Sample> fast = rescale(s, 1.0 / 60, 1000.0);
  const Verdict v60 = classify(fast, age / 60, rescale(th, 1.0 / 60));
  INFO("scale 1:    " << describe(v1));
  INFO("scale 1/60: " << describe(v60));
  CHECK(pattern_name(v1.pattern) == pattern_name(e.pattern));
  CHECK(v1.suspect == e.suspect);
  CHECK(pattern_name(v60.pattern) == pattern_name(v1.pattern));
  CHECK(v60.suspect == v1.suspect);
  CHECK(v60.score == Approx(v1.score).margin(1e-6));
  // The corpus keeps its verdicts under regime-aware analysis (regime.h): every shape here gives
  // the same pattern and suspect flag through classify_regime(), at both scales — except where a
  // case says otherwise (a late onset, which is what regimes are for).
  const Expect re = regime_expect.value_or(Expect{v1.pattern, v1.suspect});
  const RegimeVerdict r1 = classify_regime(s, age, th);
  const RegimeVerdict r60 = classify_regime(fast, age / 60, rescale(th, 1.0 / 60));
  INFO("regime: change=" << change_name(r1.regime.change) << " from "
                         << r1.regime.start_t - s.front().t << "s, verdict "
                         << describe(r1.verdict));
  CHECK(pattern_name(r1.verdict.pattern) == pattern_name(re.pattern));
  CHECK(r1.verdict.suspect == re.suspect);
  CHECK(pattern_name(r60.verdict.pattern) == pattern_name(re.pattern));
  CHECK(r60.verdict.suspect == re.suspect);
  if (v1.rate_per_second) {
    REQUIRE(v60.rate_per_second);
    CHECK(*v60.rate_per_second == Approx(*v1.rate_per_second * 60).margin(1e-6));
  }
  return v1;
}

TEST_CASE("classify: steady leak of 10 MiB/h on a 200 MiB process over 6 h is a suspect",
          "[analysis][classify]") {
  const auto s = generate(linear(200 * kMiB, 10 * kMiB), Options().noise(1 * kMiB));
  const Verdict v = expect_verdict(s, kOld, {Pattern::kLeak, true});
  CHECK(v.score >= 0.7);
  REQUIRE(v.rate_per_second);
  CHECK(*v.rate_per_second * kHour == Approx(10 * kMiB).epsilon(0.05));
  REQUIRE(v.floor_rate_per_second);
  CHECK(*v.floor_rate_per_second * kHour == Approx(10 * kMiB).epsilon(0.1));
  CHECK(v.observed_seconds == Approx(6 * kHour));
}

TEST_CASE("classify: a tiny process leaking 2 MiB/h from 4 MiB is a leak", "[analysis][classify]") {
  const auto s = generate(linear(4 * kMiB, 2 * kMiB), Options().noise(16 * 1024));
  expect_verdict(s, kOld, {Pattern::kLeak, true});
}

TEST_CASE("classify: a fast leak over a 15 minute window is a suspect", "[analysis][classify]") {
  const auto s =
      generate(linear(200 * kMiB, 60 * kMiB), Options().duration(15 * kMinute).noise(256 * 1024));
  expect_verdict(s, kOld, {Pattern::kLeak, true});
}

TEST_CASE("classify: a leak with gaps and irregular sample times is still a leak",
          "[analysis][classify]") {
  const auto s = generate(linear(200 * kMiB, 30 * kMiB), Options()
                                                             .noise(1 * kMiB)
                                                             .jitter(0.4)
                                                             .gap(1 * kHour, 1.5 * kHour)
                                                             .gap(4 * kHour, 4.2 * kHour)
                                                             .seed(7));
  expect_verdict(s, kOld, {Pattern::kLeak, true});
}

TEST_CASE("classify: growth below the relative threshold is not a leak", "[analysis][classify]") {
  // 10 MiB/h on 1 GiB is 1%/h: under the default 5%/h.
  const auto s = generate(linear(1 * kGiB, 10 * kMiB), Options().noise(1 * kMiB));
  const Verdict v = expect_verdict(s, kOld, {Pattern::kFlat, false});
  CHECK(v.score < 0.5);
}

TEST_CASE("classify: growth below the absolute threshold is not a leak", "[analysis][classify]") {
  // 512 KiB/h on 2 MiB is 25%/h, but under 1 MiB/h.
  const auto s = generate(linear(2 * kMiB, 0.5 * kMiB), Options().noise(4 * 1024));
  expect_verdict(s, kOld, {Pattern::kFlat, false});
}

TEST_CASE("classify: a huge but flat process is flat", "[analysis][classify]") {
  const auto s = generate(constant(8 * kGiB), Options().noise(4 * kMiB));
  const Verdict v = expect_verdict(s, kOld, {Pattern::kFlat, false});
  CHECK(v.score < 0.3);
}

TEST_CASE("classify: a flat process with small noise is flat", "[analysis][classify]") {
  const auto s = generate(constant(200 * kMiB), Options().noise(1 * kMiB).seed(3));
  expect_verdict(s, kOld, {Pattern::kFlat, false});
}

TEST_CASE("classify: large variance without a trend is noisy", "[analysis][classify]") {
  const auto s = generate(constant(100 * kMiB), Options().noise(15 * kMiB));
  const Verdict v = expect_verdict(s, kOld, {Pattern::kNoisy, false});
  CHECK(v.score < 0.5);
}

TEST_CASE("classify: a single huge spike in a flat series is not a leak", "[analysis][classify]") {
  auto s = generate(constant(200 * kMiB), Options().noise(256 * 1024));
  s[s.size() / 2].v += 2 * kGiB;
  expect_verdict(s, kOld, {Pattern::kFlat, false});
  // Also near the end, where a floor-based rule would be most tempted.
  auto late = generate(constant(200 * kMiB), Options().noise(256 * 1024));
  late[late.size() - 3].v += 2 * kGiB;
  expect_verdict(late, kOld, {Pattern::kFlat, false});
}

TEST_CASE("classify: a GC sawtooth over a flat floor is a sawtooth, not a suspect",
          "[analysis][classify]") {
  const auto s =
      generate(sawtooth(300 * kMiB, 200 * kMiB, 20 * kMinute), Options().noise(1 * kMiB));
  const Verdict v = expect_verdict(s, kOld, {Pattern::kSawtooth, false});
  CHECK(v.score < 0.3);
  const auto slow =
      generate(sawtooth(300 * kMiB, 200 * kMiB, 100 * kMinute), Options().noise(1 * kMiB));
  expect_verdict(slow, kOld, {Pattern::kSawtooth, false});
}

TEST_CASE("classify: a sawtooth whose floor rises is a leak", "[analysis][classify]") {
  const auto s = generate(sawtooth(300 * kMiB, 100 * kMiB, 20 * kMinute, 20 * kMiB),
                          Options().noise(1 * kMiB));
  expect_verdict(s, kOld, {Pattern::kLeak, true});
  // Long teeth: only four drops in the window.
  const auto slow = generate(sawtooth(300 * kMiB, 100 * kMiB, 80 * kMinute, 20 * kMiB),
                             Options().noise(1 * kMiB));
  expect_verdict(slow, kOld, {Pattern::kLeak, true});
}

TEST_CASE("classify: a sawtooth with two teeth whose troughs rise fast is a leak",
          "[analysis][classify]") {
  const auto s =
      generate(sawtooth(300 * kMiB, 100 * kMiB, 2.5 * kHour, 40 * kMiB), Options().noise(1 * kMiB));
  expect_verdict(s, kOld, {Pattern::kLeak, true});
  // The same teeth over a floor rising 10 MiB/h (3%/h of 300 MiB, under 5%/h): not a leak.
  const auto slow =
      generate(sawtooth(300 * kMiB, 100 * kMiB, 2.5 * kHour, 10 * kMiB), Options().noise(1 * kMiB));
  expect_verdict(slow, kOld, {Pattern::kSawtooth, false});
}

TEST_CASE("classify: a short window ending high on an unfinished tooth is a sawtooth",
          "[analysis][classify]") {
  // 16 minutes of 6-minute teeth; the window ends at 90% of the third ramp, so the floor of the
  // last third climbs 45 MiB. Over several seeds: none may look like a leak.
  const Shape saw = [](double x) {
    const double period = 6 * kMinute;
    const double off = std::fmod(period - std::fmod(16 * kMinute, period) + 0.9 * period, period);
    return 300 * kMiB + 50 * kMiB * std::fmod(x + off, period) / period;
  };
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    INFO("seed " << seed);
    const auto s = generate(saw, Options().duration(16 * kMinute).noise(1 * kMiB).seed(seed));
    expect_verdict(s, kOld, {Pattern::kSawtooth, false});
  }
}

TEST_CASE("classify: a leak under GC drops that never reach the old floor is a leak",
          "[analysis][classify]") {
  // 30 MiB/h, and for the last 10 minutes of every hour 20 MiB is given back.
  const Shape partial_gc = [](double x) {
    return 200 * kMiB + 30 * kMiB * x / kHour -
           (std::fmod(x, kHour) > 50 * kMinute ? 20 * kMiB : 0);
  };
  expect_verdict(generate(partial_gc, Options().noise(1 * kMiB)), kOld, {Pattern::kLeak, true});
  // Hourly one-sample spikes of 500 MiB on top of a leak do not hide it.
  const Shape spiky = [](double x) {
    return 200 * kMiB + 20 * kMiB * x / kHour + (std::fmod(x, kHour) < 10 ? 500 * kMiB : 0);
  };
  expect_verdict(generate(spiky, Options().noise(1 * kMiB)), kOld, {Pattern::kLeak, true});
}

TEST_CASE("classify: a leak after a warm-up in the same window is a leak", "[analysis][classify]") {
  const Shape s = [](double x) {
    return 100 * kMiB + 200 * kMiB * (1 - std::exp(-x / (15 * kMinute))) + 20 * kMiB * x / kHour;
  };
  expect_verdict(generate(s, Options().noise(1 * kMiB)), 6 * kHour, {Pattern::kLeak, true});
}

TEST_CASE("classify: a slow leak buried in noise at 1 s sampling is still a leak",
          "[analysis][classify]") {
  // 7.5 MiB over 15 minutes under 1 MiB of noise: each quarter's floor is within the noise, so
  // the medians decide whether the growth persists.
  const auto s = generate(linear(200 * kMiB, 30 * kMiB),
                          Options().duration(15 * kMinute).interval(1).noise(1 * kMiB));
  expect_verdict(s, kOld, {Pattern::kLeak, true});
}

TEST_CASE("classify: a level that jumps both ways without a trend is noisy",
          "[analysis][classify]") {
  const Shape flip = [](double x) {
    return std::fmod(x, kHour) < 30 * kMinute ? 200 * kMiB : 300 * kMiB;
  };
  expect_verdict(generate(flip, Options().noise(1 * kMiB)), kOld, {Pattern::kNoisy, false});
}

TEST_CASE("classify: warm-up then plateau is warmup", "[analysis][classify]") {
  // Started with the window: 100 -> 400 MiB with a 30 min time constant, then flat.
  const auto s = generate(warmup(100 * kMiB, 400 * kMiB, 30 * kMinute), Options().noise(1 * kMiB));
  expect_verdict(s, 6 * kHour, {Pattern::kWarmup, false});
  // An older process whose window only sees the end of a slow warm-up.
  const auto tail = generate(warmup(100 * kMiB, 400 * kMiB, 60 * kMinute, 20 * kMinute),
                             Options().noise(1 * kMiB));
  const Verdict v = expect_verdict(tail, 6 * kHour + 20 * kMinute, {Pattern::kWarmup, false});
  CHECK(v.score < 0.35);  // growth the rules explained otherwise: halved
}

TEST_CASE("classify: bursts that stop are a step", "[analysis][classify]") {
  const auto s = generate(steps(200 * kMiB, 60 * kMiB, {1 * kHour, 2 * kHour, 3 * kHour}),
                          Options().noise(1 * kMiB));
  expect_verdict(s, kOld, {Pattern::kStep, false});
}

TEST_CASE("classify: a fast jump early in the process's life is warm-up, not a step",
          "[analysis][classify]") {
  // Jumps 20 minutes after start (the window starts with the process) and stays there.
  const auto s = generate(steps(50 * kMiB, 300 * kMiB, {20 * kMinute}), Options().noise(1 * kMiB));
  const Verdict v = expect_verdict(s, 6 * kHour, {Pattern::kWarmup, false});
  // The same jump in an old process is a step.
  expect_verdict(s, kOld, {Pattern::kStep, false});
  // Patterns other than leak and growing keep a low score.
  CHECK(v.score < 0.35);
  // Within the first seconds, the jump is over before the first bucket closes: still warm-up.
  const auto fast =
      generate(steps(50 * kMiB, 300 * kMiB, {3 * kMinute}), Options().noise(1 * kMiB));
  expect_verdict(fast, 6 * kHour, {Pattern::kWarmup, false});
}

TEST_CASE("classify: bursts that keep coming are a leak", "[analysis][classify]") {
  std::vector<double> at;  // every 20 minutes, from 10 minutes in
  at.reserve(18);
  for (int i = 0; i < 18; ++i) {
    at.push_back(10 * kMinute + i * 20 * kMinute);
  }
  const auto s = generate(steps(200 * kMiB, 5 * kMiB, at), Options().noise(256 * 1024));
  expect_verdict(s, kOld, {Pattern::kLeak, true});
}

TEST_CASE("classify: a series that drops once to a low level and stays flat is not a leak",
          "[analysis][classify]") {
  const auto s = generate(change_at(800 * kMiB, 300 * kMiB, 2 * kHour), Options().noise(1 * kMiB));
  expect_verdict(s, kOld, {Pattern::kStep, false});
}

TEST_CASE("classify: a young steady grower observed for 5 minutes is growing",
          "[analysis][classify]") {
  const auto s =
      generate(linear(50 * kMiB, 60 * kMiB), Options().duration(5 * kMinute).noise(64 * 1024));
  const Verdict v = expect_verdict(s, 5 * kMinute, {Pattern::kGrowing, false});
  CHECK(v.observed_seconds == Approx(5 * kMinute));
}

TEST_CASE("classify: a process younger than the warm-up grace is never a suspect",
          "[analysis][classify]") {
  Thresholds th;
  th.min_observed_seconds = 5 * kMinute;  // observed long enough: only the grace protects it
  const auto s =
      generate(linear(50 * kMiB, 60 * kMiB), Options().duration(8 * kMinute).noise(64 * 1024));
  expect_verdict(s, 8 * kMinute, {Pattern::kGrowing, false}, th);
  // The same series from an old process is a suspect.
  expect_verdict(s, kOld, {Pattern::kLeak, true}, th);
}

TEST_CASE("classify: growth that started in the last part of the window is growing",
          "[analysis][classify]") {
  // Over the window it is growing; its current regime (the last 2 h, 8 x min_observed) is a leak.
  const auto s = generate(late_linear(200 * kMiB, 30 * kMiB, 4 * kHour), Options().noise(1 * kMiB));
  expect_verdict(s, kOld, {Pattern::kGrowing, false}, {}, Expect{Pattern::kLeak, true});
}

TEST_CASE("classify: an FD count that only grows is a leak with FD thresholds",
          "[analysis][classify]") {
  Thresholds fd;
  fd.min_growth_ratio_per_hour = 0;
  fd.min_growth_bytes_per_hour = 10;
  const Options o = Options().duration(2 * kHour);
  const auto leak = generate([](double x) { return std::floor(40 + 20 * x / kHour); }, o);
  expect_verdict(leak, kOld, {Pattern::kLeak, true}, fd);
  Rng rng(5);
  const auto flat = generate([&](double) { return std::floor(40 + 3 * rng.uniform()); }, o);
  expect_verdict(flat, kOld, {Pattern::kFlat, false}, fd);
}

TEST_CASE("classify: too few samples give a flat verdict without rates", "[analysis][classify]") {
  const std::vector<Sample> two{{0, 1}, {10, 2 * kGiB}};
  const Verdict v = classify(two, kOld, {});
  CHECK(v.pattern == Pattern::kFlat);
  CHECK_FALSE(v.suspect);
  CHECK_FALSE(v.rate_per_second);
  CHECK(v.score == 0);
  CHECK(v.observed_seconds == 10);
  CHECK(classify({}, kOld, {}).observed_seconds == 0);
}

TEST_CASE("classify: pattern names are the exported label values", "[analysis][classify]") {
  CHECK(pattern_name(Pattern::kFlat) == "flat");
  CHECK(pattern_name(Pattern::kWarmup) == "warmup");
  CHECK(pattern_name(Pattern::kSawtooth) == "sawtooth");
  CHECK(pattern_name(Pattern::kStep) == "step");
  CHECK(pattern_name(Pattern::kNoisy) == "noisy");
  CHECK(pattern_name(Pattern::kGrowing) == "growing");
  CHECK(pattern_name(Pattern::kLeak) == "leak");
}

TEST_CASE("classify: the per-hour thresholds follow time_scale", "[analysis][classify]") {
  // 10 MiB per minute on 200 MiB for 6 minutes: a leak if an "hour" is a minute, and with real
  // hours too (it is far above 5%/h), but growth of 0.5 MiB/min is a leak only in real hours.
  const auto s =
      generate(linear(200 * kMiB, 30 * kMiB), Options().duration(30 * kMinute).noise(64 * 1024));
  Thresholds real;
  real.min_observed_seconds = 15 * kMinute;
  CHECK(classify(s, kOld, real).pattern == Pattern::kLeak);
  Thresholds minute = real;
  minute.time_scale = 1.0 / 60;  // 30 MiB per real hour is 0.5 MiB per "hour": under 5%
  CHECK(classify(s, kOld, minute).pattern == Pattern::kFlat);
}

TEST_CASE("classify: cost per call on 2,160 samples", "[analysis][classify][.bench]") {
  const auto s = generate(sawtooth(300 * kMiB, 100 * kMiB, 20 * kMinute, 20 * kMiB),
                          Options().noise(1 * kMiB));
  REQUIRE(s.size() == 2161);
  constexpr int kCalls = 2000;
  int leaks = 0;
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < kCalls; ++i) {
    leaks += classify(s, kOld, {}).pattern == Pattern::kLeak ? 1 : 0;
  }
  const std::chrono::duration<double, std::micro> took = std::chrono::steady_clock::now() - start;
  std::printf("classify(): %.1f us per call on %zu samples\n", took.count() / kCalls, s.size());
  CHECK(leaks == kCalls);
}

}  // namespace
}  // namespace lw::analysis
