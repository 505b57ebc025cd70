#pragma once

// Small robust statistics over plain values, shared by classify() and the regime detection.

#include <span>
#include <vector>

#include "analysis/growth.h"

namespace lw::analysis {

// The median of `v` (the mean of the two middle values for an even count); 0 when empty.
// Reorders `v`.
double median_in_place(std::span<double> v);

// 1.4826 * median absolute deviation from the median: a robust sigma. Reorders `v`.
double robust_sigma(std::vector<double>& v);

// Sample-to-sample noise of a series: the robust sigma of consecutive differences divided by
// sqrt(2), over at most ~512 evenly spaced differences (robust statistics of 512 points are as good
// as of thousands). `scratch` is reused storage.
double difference_noise(std::span<const Sample> s, std::vector<double>& scratch);

}  // namespace lw::analysis
