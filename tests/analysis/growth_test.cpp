#include "analysis/growth.h"

#include <cmath>
#include <vector>

#include <catch2/catch.hpp>

#include "analysis/synth.h"

namespace lw::analysis {
namespace {

using synth::kMiB;

// v = start + per_second * (t - t0), sampled every `interval` seconds.
std::vector<Sample> line(std::size_t n, double per_second, double interval = 10, double t0 = 1.7e9,
                         double start = 100 * kMiB) {
  std::vector<Sample> s;
  s.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    const double dt = static_cast<double>(i) * interval;
    s.push_back({.t = t0 + dt, .v = start + per_second * dt});
  }
  return s;
}

TEST_CASE("robust_slope: 1 MiB/min is 1048576/60 bytes per second", "[analysis][growth]") {
  const std::size_t n = GENERATE(3, 10, 40, 41, 90, 360, 2160);
  INFO("samples: " << n);
  CHECK(*robust_slope(line(n, kMiB / 60)) == Approx(1048576.0 / 60));
}

TEST_CASE("robust_slope: one outlier does not move the slope", "[analysis][growth]") {
  auto s = line(90, kMiB / 60);
  s[45].v += 2048 * kMiB;  // a spike
  CHECK(*robust_slope(s) == Approx(1048576.0 / 60).epsilon(0.01));
  s[45].v -= 4096 * kMiB;  // a GC-like drop instead
  s[45].v = std::max(0.0, s[45].v);
  CHECK(*robust_slope(s) == Approx(1048576.0 / 60).epsilon(0.01));
  // The same in a short series, where each sample is its own bucket (plain Theil–Sen).
  auto few = line(12, kMiB / 60);
  few[11].v = 0;  // the last sample, where least squares would be dragged most
  CHECK(*robust_slope(few) == Approx(1048576.0 / 60).epsilon(0.01));
}

TEST_CASE("robust_slope: one late sample does not dominate", "[analysis][growth]") {
  auto s = line(360, kMiB / 60);
  s.push_back({.t = s.back().t + 3600, .v = s.back().v});  // an hour later, flat: a gap
  CHECK(*robust_slope(s) == Approx(1048576.0 / 60).epsilon(0.05));
}

TEST_CASE("robust_slope: irregular sample times give the true slope", "[analysis][growth]") {
  synth::Rng rng(11);
  std::vector<Sample> s;
  double t = 0;
  for (int i = 0; i < 500; ++i) {
    t += 1 + 20 * rng.uniform();
    s.push_back({.t = t, .v = 5000 + 3.5 * t});
  }
  // Within 0.5%: a bucket's mean time and median value are not exactly one point of the line.
  CHECK(*robust_slope(s) == Approx(3.5).epsilon(0.005));
}

TEST_CASE("robust_slope: a flat noisy series has a slope near zero", "[analysis][growth]") {
  const auto s = synth::generate(synth::constant(200 * kMiB), synth::Options().noise(kMiB));
  // Over 6 h, a drift of 100 KiB/h would be far below any threshold.
  CHECK(std::abs(*robust_slope(s) * 3600) < 100 * 1024);
}

TEST_CASE("robust_slope: fewer than 3 samples or one instant is nullopt", "[analysis][growth]") {
  CHECK_FALSE(robust_slope({}));
  const std::vector<Sample> two{{0, 1}, {10, 2}};
  CHECK_FALSE(robust_slope(two));
  const std::vector<Sample> same_time{{5, 1}, {5, 2}, {5, 3}};
  CHECK_FALSE(robust_slope(same_time));
  const std::vector<Sample> three{{0, 1}, {10, 2}, {20, 3}};
  CHECK(*robust_slope(three) == Approx(0.1));
}

TEST_CASE("robust_slope: a decrease is a negative slope", "[analysis][growth]") {
  CHECK(*robust_slope(line(100, -100.0)) == Approx(-100.0));
}

TEST_CASE("bucketize: equal-time buckets with median and minimum", "[analysis][growth]") {
  const auto s = line(400, 1.0, 1.0, 0.0, 0.0);  // t = v = 0..399
  const auto b = bucketize(s, 40);
  REQUIRE(b.size() == 40);
  std::size_t total = 0;
  for (const Bucket& x : b) {
    total += x.count;
    CHECK(x.low <= x.median);
  }
  CHECK(total == 400);
  CHECK(b.front().low == 0);
  CHECK(b.back().median > b.front().median);
  // A gap leaves no empty bucket behind; few samples give one bucket each.
  std::vector<Sample> gap(s.begin(), s.begin() + 100);
  gap.insert(gap.end(), s.end() - 100, s.end());
  CHECK(bucketize(gap, 40).size() < 40);
  CHECK(bucketize(line(7, 1.0), 40).size() == 7);
}

TEST_CASE("floor_series: the lowest level from each point to the end", "[analysis][growth]") {
  // A GC sawtooth over a flat floor: every tooth falls back to 100.
  std::vector<Sample> saw;
  saw.reserve(100);
  for (int i = 0; i < 100; ++i) {
    saw.push_back({.t = static_cast<double>(i), .v = 100.0 + 10.0 * (i % 10)});
  }
  const auto f = floor_series(saw);
  REQUIRE(f.size() == 40);  // 40 buckets of 2-3 samples
  for (std::size_t i = 0; i < f.size(); ++i) {
    CHECK(f[i].v >= (i == 0 ? f[i].v : f[i - 1].v));  // non-decreasing
  }
  CHECK(f[0].v == 100);
  CHECK(f[36].v == 100);                    // the last trough (t = 90)
  CHECK(f[39].v == 170);                    // the unfinished last tooth: the bucket of t = 97..99
  CHECK(*floor_slope(saw) == Approx(0.0));  // only the last tooth rises: the median ignores it
  // Troughs that rise: the floor rises with them.
  std::vector<Sample> leak;
  leak.reserve(30);
  for (int i = 0; i < 30; ++i) {
    leak.push_back({.t = static_cast<double>(i), .v = 100.0 + 10.0 * (i % 10) + 5.0 * i});
  }
  CHECK(*floor_slope(leak) == Approx(5.0).epsilon(0.3));
}

TEST_CASE("floor_slope: the rate of a steady leak", "[analysis][growth]") {
  const auto s =
      synth::generate(synth::linear(200 * kMiB, 10 * kMiB), synth::Options().noise(256 * 1024));
  CHECK(*floor_slope(s) * 3600 == Approx(10 * kMiB).epsilon(0.05));
  CHECK_FALSE(floor_slope(std::vector<Sample>{{0, 1}, {1, 2}}));
}

TEST_CASE("theil_sen: median of pairwise slopes", "[analysis][growth]") {
  const std::vector<Sample> p{{0, 0}, {1, 1}, {2, 2}, {3, 100}, {4, 4}};
  CHECK(*theil_sen(p) == Approx(1.0));
  CHECK_FALSE(theil_sen(std::vector<Sample>{{1, 1}}));
  // More points than the stack buffer holds still work.
  CHECK(*theil_sen(line(100, 2.0)) == Approx(2.0));
}

TEST_CASE("seconds_to_limit: time left at the current rate", "[analysis][growth]") {
  CHECK(*seconds_to_limit(100, 10, 200) == Approx(10));
  CHECK(*seconds_to_limit(200, 10, 200) == 0);  // at the limit
  CHECK(*seconds_to_limit(300, 10, 200) == 0);  // over it
  CHECK(*seconds_to_limit(300, -5, 200) == 0);  // over it, even when shrinking
  CHECK_FALSE(seconds_to_limit(100, 0, 200));   // not growing
  CHECK_FALSE(seconds_to_limit(100, -1, 200));
  CHECK_FALSE(seconds_to_limit(100, std::nan(""), 200));
  CHECK(*seconds_to_limit(0, kMiB / 3600, 1024 * kMiB) == Approx(1024 * 3600));
}

}  // namespace
}  // namespace lw::analysis
