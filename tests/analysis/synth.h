#pragma once

// Synthetic memory series for the analysis tests: a shape (value as a function of seconds since
// the series started) sampled at a fixed interval, with optional Gaussian noise, jittered sample
// times and gaps. Fully deterministic: the RNG is mt19937_64 (its output is specified by the
// standard) with our own uniform/normal transforms, so a seed gives the same series everywhere.

#include <cmath>
#include <cstdint>
#include <functional>
#include <numbers>
#include <random>
#include <span>
#include <utility>
#include <vector>

#include "analysis/classify.h"
#include "analysis/growth.h"

namespace lw::analysis::synth {

inline constexpr double kMiB = 1024.0 * 1024.0;
inline constexpr double kGiB = 1024.0 * kMiB;
inline constexpr double kHour = 3600.0;
inline constexpr double kMinute = 60.0;

using Shape = std::function<double(double)>;  // seconds since start -> value

// Sampling options, set fluently: Options().noise(1 * kMiB).duration(15 * kMinute).
class Options {
 public:
  Options& duration(double v) {
    duration_ = v;
    return *this;
  }
  Options& interval(double v) {
    interval_ = v;
    return *this;
  }
  Options& noise(double v) {
    noise_ = v;
    return *this;
  }
  Options& jitter(double v) {
    jitter_ = v;
    return *this;
  }
  Options& gap(double from, double to) {
    gaps_.emplace_back(from, to);
    return *this;
  }
  Options& seed(std::uint64_t v) {
    seed_ = v;
    return *this;
  }
  Options& origin(double v) {
    origin_ = v;
    return *this;
  }

 private:
  friend std::vector<Sample> generate(const Shape& shape, const Options& o);

  double duration_ = 6 * kHour;
  double interval_ = 10;
  double noise_ = 0;   // sigma of additive Gaussian noise, in value units
  double jitter_ = 0;  // each time moves by up to +-jitter * interval (uniform)
  std::vector<std::pair<double, double>> gaps_;  // [from, to) seconds since start: no samples
  std::uint64_t seed_ = 42;
  double origin_ = 1.7e9;  // t of the first sample (an epoch-like origin tests numerical care)
};

class Rng {
 public:
  explicit Rng(std::uint64_t seed) : gen_(seed) {}
  double uniform() {  // [0, 1)
    return static_cast<double>(gen_() >> 11) * 0x1.0p-53;
  }
  double normal() {  // Box–Muller
    const double u1 = 1.0 - uniform();
    const double u2 = uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
  }

 private:
  std::mt19937_64 gen_;
};

inline std::vector<Sample> generate(const Shape& shape, const Options& o) {
  Rng rng(o.seed_);
  std::vector<Sample> out;
  double prev_t = -1e300;
  const auto count = static_cast<long>(std::floor(o.duration_ / o.interval_ + 1e-9));
  for (long i = 0; i <= count; ++i) {
    const double x = static_cast<double>(i) * o.interval_;
    bool skip = false;
    for (const auto& [from, to] : o.gaps_) {
      skip = skip || (x >= from && x < to);
    }
    double jittered = x;
    if (o.jitter_ > 0 && x > 0 && x + o.interval_ <= o.duration_) {
      jittered += (2 * rng.uniform() - 1) * o.jitter_ * o.interval_;
    }
    const double noise = o.noise_ > 0 ? o.noise_ * rng.normal() : 0.0;
    if (skip) {
      continue;
    }
    const double t = o.origin_ + jittered;
    if (t <= prev_t) {
      continue;
    }
    prev_t = t;
    out.push_back({.t = t, .v = std::max(0.0, shape(jittered) + noise)});
  }
  return out;
}

// Every time rescaled around a new origin: t' = origin + (t - t_first) * factor.
inline std::vector<Sample> rescale(std::span<const Sample> s, double factor, double origin) {
  std::vector<Sample> out;
  out.reserve(s.size());
  for (const Sample& x : s) {
    out.push_back({.t = origin + (x.t - s.front().t) * factor, .v = x.v});
  }
  return out;
}

// The thresholds of a run whose every duration is multiplied by `factor` (the daemon's tests
// divide the config's durations by 60): seconds fields and the analysis hour scale alike.
inline Thresholds rescale(Thresholds th, double factor) {
  th.min_observed_seconds *= factor;
  th.warmup_grace_seconds *= factor;
  th.time_scale *= factor;
  return th;
}

// --- shapes
// ---------------------------------------------------------------------------------------

inline Shape constant(double v) {
  return [v](double) { return v; };
}
inline Shape linear(double start, double per_hour) {
  return [=](double x) { return start + per_hour * x / kHour; };
}
// GC sawtooth: rises by `amplitude` over `period`, then drops back to the floor, which itself
// moves by floor_per_hour.
inline Shape sawtooth(double floor, double amplitude, double period, double floor_per_hour = 0) {
  return [=](double x) {
    const double phase = std::fmod(x, period) / period;
    return floor + floor_per_hour * x / kHour + amplitude * phase;
  };
}
// Warm-up: from `start` towards `plateau` with time constant tau, starting at `offset` seconds
// into the curve.
inline Shape warmup(double start, double plateau, double tau, double offset = 0) {
  return [=](double x) { return plateau - (plateau - start) * std::exp(-(x + offset) / tau); };
}
// `height` added at each time in `at` (seconds since start).
inline Shape steps(double start, double height, std::vector<double> at) {
  return [=](double x) {
    double v = start;
    for (const double a : at) {
      v += x >= a ? height : 0.0;
    }
    return v;
  };
}
// `before` until `at`, then `after`.
inline Shape change_at(double before, double after, double at) {
  return [=](double x) { return x < at ? before : after; };
}
// Flat at `start` until `at`, then growing by per_hour.
inline Shape late_linear(double start, double per_hour, double at) {
  return [=](double x) { return x < at ? start : start + per_hour * (x - at) / kHour; };
}

}  // namespace lw::analysis::synth
