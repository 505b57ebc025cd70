#pragma once

// The thresholds of classify.h applied to one stretch of a series (its base level and its noise):
// whether a rate or a change is growth the thresholds care about. Shared by classify() and the
// regime detection, so that "significant" means the same in both.

#include <algorithm>
#include <cmath>
#include <limits>

#include "analysis/classify.h"

namespace lw::analysis {

// A change must exceed this many noise sigmas to count.
inline constexpr double kNoiseMultiple = 4.0;

class Judge {
 public:
  Judge(const Thresholds& th, double base, double noise)
      : th_(th), hour_(th.hour_seconds()), base_(base), noise_(noise) {}

  // A rate that the thresholds consider growth.
  bool rate_significant(double r) const {
    if (!(r > 0)) {
      return false;
    }
    const double per_hour = r * hour_;
    return per_hour >= th_.min_growth_bytes_per_hour &&
           per_hour / base_ >= th_.min_growth_ratio_per_hour;
  }

  // A change (in units) as large as a threshold leak adds in one hour, and above the noise.
  bool change_significant(double d) const {
    return d > 0 && d >= th_.min_growth_bytes_per_hour &&
           d >= th_.min_growth_ratio_per_hour * base_ && d >= kNoiseMultiple * noise_;
  }

  // How many times the thresholds the rate is (the smaller of the two); 0 when not growing.
  double margin(double r) const {
    if (!(r > 0)) {
      return 0;
    }
    const double per_hour = r * hour_;
    double m = std::numeric_limits<double>::infinity();
    if (th_.min_growth_bytes_per_hour > 0) {
      m = std::min(m, per_hour / th_.min_growth_bytes_per_hour);
    }
    if (th_.min_growth_ratio_per_hour > 0) {
      m = std::min(m, per_hour / base_ / th_.min_growth_ratio_per_hour);
    }
    return std::isfinite(m) ? m : 4.0;  // no thresholds at all: any growth counts fully
  }

  double noise() const { return noise_; }

 private:
  const Thresholds& th_;
  double hour_;
  double base_;
  double noise_;
};

}  // namespace lw::analysis
