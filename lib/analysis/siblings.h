#pragma once

// Sibling comparison: processes of one group (same comm, unit or rule, by config) are compared
// with each other, because "the one worker that is 5x bigger than the other seven" or "the one
// instance that grows while its siblings are flat" is a leak signal that no single series shows.
// Pure function over one group.

#include <optional>
#include <span>
#include <vector>

namespace lw::analysis {

struct SiblingInput {
  double private_bytes = 0;               // anon + swap, now
  std::optional<double> rate_per_second;  // robust growth rate; nullopt = unknown
};

// One flag per input, in order. An instance is an outlier when
//   - the group has >= 3 members and its private memory is > ratio x the median of the OTHER
//     members (a positive median; the others, so that the outlier does not pull its own
//     reference), or
//   - it grows (rate >= min_abs_rate_per_second, > 0) while the median rate of the other members
//     with a known rate is ~0: |median| < 10% of its own rate (needs >= 1 other known rate).
// Groups of fewer than 2 get no flags. O(n log n).
std::vector<bool> sibling_outliers(std::span<const SiblingInput> group, double ratio,
                                   double min_abs_rate_per_second);

}  // namespace lw::analysis
