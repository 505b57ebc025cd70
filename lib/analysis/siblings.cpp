#include "analysis/siblings.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <utility>

namespace lw::analysis {

namespace {

// For every element of `values` (by index), the median of all the OTHER elements. `sorted` is
// `values` sorted ascending; `rank[i]` is the position of element i in it. Removing one element
// from a sorted array shifts the positions after it by one, so each median is O(1).
std::vector<double> medians_of_others(const std::vector<double>& sorted,
                                      const std::vector<std::size_t>& rank) {
  const std::size_t m = sorted.size() - 1;  // size without the element itself
  std::vector<double> out(rank.size());
  for (std::size_t i = 0; i < rank.size(); ++i) {
    const auto at = [&](std::size_t p) { return sorted[p < rank[i] ? p : p + 1]; };
    out[i] = m % 2 == 1 ? at(m / 2) : (at(m / 2 - 1) + at(m / 2)) / 2;
  }
  return out;
}

// Sorts `values` and returns, for each original index, its rank in the sorted order.
std::vector<std::size_t> sort_with_ranks(std::vector<double>& values) {
  std::vector<std::size_t> order(values.size());
  for (std::size_t i = 0; i < order.size(); ++i) {
    order[i] = i;
  }
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return values[a] < values[b]; });
  std::vector<std::size_t> rank(values.size());
  std::vector<double> sorted(values.size());
  for (std::size_t p = 0; p < order.size(); ++p) {
    rank[order[p]] = p;
    sorted[p] = values[order[p]];
  }
  values = std::move(sorted);
  return rank;
}

}  // namespace

std::vector<bool> sibling_outliers(std::span<const SiblingInput> group, double ratio,
                                   double min_abs_rate_per_second) {
  const std::size_t n = group.size();
  std::vector<bool> flags(n, false);
  if (n < 2) {
    return flags;
  }

  // Far above the group's median size.
  if (n >= 3) {
    std::vector<double> sizes(n);
    for (std::size_t i = 0; i < n; ++i) {
      sizes[i] = group[i].private_bytes;
    }
    const std::vector<std::size_t> rank = sort_with_ranks(sizes);
    const std::vector<double> others = medians_of_others(sizes, rank);
    for (std::size_t i = 0; i < n; ++i) {
      if (others[i] > 0 && group[i].private_bytes > ratio * others[i]) {
        flags[i] = true;
      }
    }
  }

  // Growing while the siblings are flat.
  std::vector<std::size_t> known;  // indices with a rate
  std::vector<double> rates;
  for (std::size_t i = 0; i < n; ++i) {
    if (group[i].rate_per_second && std::isfinite(*group[i].rate_per_second)) {
      known.push_back(i);
      rates.push_back(*group[i].rate_per_second);
    }
  }
  if (known.size() >= 2) {
    const std::vector<std::size_t> rank = sort_with_ranks(rates);
    const std::vector<double> others = medians_of_others(rates, rank);
    for (std::size_t k = 0; k < known.size(); ++k) {
      const double own = *group[known[k]].rate_per_second;
      if (own > 0 && own >= min_abs_rate_per_second && std::abs(others[k]) < 0.1 * own) {
        flags[known[k]] = true;
      }
    }
  }
  return flags;
}

}  // namespace lw::analysis
