#pragma once

// Reference samples for the CompressedSeries tests: random walks, building and decoding a series.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <random>
#include <vector>

#include "store/compressed_series.h"

namespace lw::testing {

inline constexpr std::uint64_t kMaxU64 = std::numeric_limits<std::uint64_t>::max();

template <std::size_t N>
struct Sample {
  std::uint64_t seq = 0;
  typename store::CompressedSeries<N>::Values values{};
  bool operator==(const Sample&) const = default;
};

template <std::size_t N>
inline std::vector<Sample<N>> decode(const store::CompressedSeries<N>& s, std::uint64_t from = 0) {
  std::vector<Sample<N>> out;
  s.for_each(from, [&out](std::uint64_t seq, const typename store::CompressedSeries<N>::Values& v) {
    out.push_back({seq, v});
  });
  return out;
}

// Random walks with every awkward case: absent values, zeros, seq gaps, page multiples (the
// scale path), huge jumps and values at the edges of u64 (wrapping deltas).
template <std::size_t N>
inline std::vector<Sample<N>> random_walk(std::mt19937_64& rng, std::size_t count) {
  std::uniform_int_distribution<int> pct(0, 99);
  std::uniform_int_distribution<std::int64_t> small(-8, 8);
  std::vector<Sample<N>> out;
  typename store::CompressedSeries<N>::Values cur{};
  for (std::size_t c = 0; c < N; ++c) {
    cur[c] = (c % 3 == 0) ? std::uint64_t{4096} * 25000 : 1000 + c;
  }
  std::uint64_t seq = 1 + rng() % 1000;
  for (std::size_t i = 0; i < count; ++i) {
    if (i > 0) {
      seq += pct(rng) < 10 ? 2 + rng() % 500 : 1;
    }
    for (std::size_t c = 0; c < N; ++c) {
      const int p = pct(rng);
      if (p < 3) {
        cur[c] = cur[c] ? std::nullopt : std::optional<std::uint64_t>(0);
        continue;
      }
      if (!cur[c] || p < 50) {
        continue;
      }
      std::uint64_t v = *cur[c];
      if (c % 3 == 0) {  // page-granular memory
        v += static_cast<std::uint64_t>(small(rng)) * 4096;
      } else if (p < 90) {
        v += static_cast<std::uint64_t>(small(rng));
      } else if (p < 95) {
        v = rng();  // a wild jump
      } else if (p < 97) {
        v = kMaxU64 - rng() % 3;
      } else {
        v = rng() % 3;
      }
      cur[c] = v;
    }
    out.push_back({seq, cur});
  }
  return out;
}

template <std::size_t N>
inline store::CompressedSeries<N> build(const std::vector<Sample<N>>& ref, std::uint32_t k) {
  store::CompressedSeries<N> s(k);
  for (const auto& r : ref) {
    s.append(r.seq, r.values);
  }
  return s;
}

template <std::size_t N>
inline store::ChannelRange brute_range(const std::vector<Sample<N>>& ref, std::size_t c,
                                       std::uint64_t from) {
  store::ChannelRange r;
  for (const auto& s : ref) {
    if (s.seq >= from && c < N && s.values[c]) {
      r.min = r.min ? std::min(*r.min, *s.values[c]) : *s.values[c];
      r.max = r.max ? std::max(*r.max, *s.values[c]) : *s.values[c];
    }
  }
  return r;
}

using Series5 = store::CompressedSeries<5>;
using Values5 = Series5::Values;

}  // namespace lw::testing
