#include "analysis/robust_stats.h"

#include <algorithm>
#include <cmath>
#include <cstddef>

namespace lw::analysis {

namespace {

constexpr double kMadToSigma = 1.4826;  // MAD of a normal distribution -> its sigma
constexpr std::size_t kSpreadSamples = 512;

}  // namespace

double median_in_place(std::span<double> v) {
  if (v.empty()) {
    return 0;
  }
  const std::size_t mid = v.size() / 2;
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(mid), v.end());
  const double upper = v[mid];
  if (v.size() % 2 == 1) {
    return upper;
  }
  return (*std::max_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(mid)) + upper) / 2;
}

double robust_sigma(std::vector<double>& v) {
  if (v.empty()) {
    return 0;
  }
  const double med = median_in_place(v);
  for (double& x : v) {
    x = std::abs(x - med);
  }
  return kMadToSigma * median_in_place(v);
}

double difference_noise(std::span<const Sample> s, std::vector<double>& scratch) {
  const std::size_t n = s.size();
  const std::size_t stride = std::max<std::size_t>(1, (n + kSpreadSamples - 1) / kSpreadSamples);
  scratch.clear();
  for (std::size_t i = 1; i < n; i += stride) {
    scratch.push_back(s[i].v - s[i - 1].v);
  }
  return robust_sigma(scratch) / std::sqrt(2.0);
}

}  // namespace lw::analysis
