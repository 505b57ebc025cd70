#pragma once

// The byte format of one chunk of a CompressedSeries<N> (see compressed_series.h): a run of up to
// K samples of N optional u64 channels that decodes on its own. Chunk bytes:
//
//   u8  scale mask          channels stored divided by 2^shift (always 0 in the open chunk)
//   u8  shift x popcount    1..63, in channel order
//   u8  presence mask       of the first sample, whose seq is Chunk::first_seq
//   varint value>>shift     for each present channel: the base values
//   then per further sample:
//   u8  header              bit 7: seq gap; bit 6: extension byte follows;
//                           bits 0..5: channels 0..5 changed
//   u8  extension           (if bit 6) bit 0: presence changed; bits 1,2: channels 6,7 changed
//   varint gap              (if seq gap) seq - previous seq - 1
//   u8  presence mask       (if presence changed)
//   zigzag varint delta     for each changed channel, in channel order, of value>>shift
//   -- closed chunks only, after the last sample: the summary trailer --
//   u8  mask                channels with at least one present value in the chunk
//   varint min, varint max - min   for each such channel, in real units
//
// An unchanged sample at the next seq is therefore one byte (0x00). A channel that is absent has
// delta base 0, so when it reappears its first value is a delta from 0.
//
// Scale: memory figures from /proc are whole pages or KiB, so all values of a channel usually
// share trailing zero bits. On close, each channel's common trailing zeros (over every value of
// the chunk) become its shift, which makes a +-8 KiB delta one byte instead of three. This is
// lossless: only bits known to be zero are dropped.
//
// chunk_encoder.h writes this format, chunk_decoder.h reads it.

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>

#include "store/varint.h"

namespace lw::store::series_detail {

template <std::size_t N>
using Values = std::array<std::optional<std::uint64_t>, N>;

constexpr unsigned kHeaderGap = 0x80;
constexpr unsigned kHeaderExt = 0x40;
constexpr unsigned kHeaderChannels = 0x3F;
constexpr unsigned kExtPresence = 0x01;
constexpr unsigned kExtKnown = 0x07;

template <std::size_t N>
constexpr unsigned kAllChannels = (1U << N) - 1;

template <std::size_t N>
unsigned presence_of(const Values<N>& v) {
  unsigned mask = 0;
  for (std::size_t c = 0; c < N; ++c) {
    if (v[c]) {
      mask |= 1U << c;
    }
  }
  return mask;
}

// Running min/max of present values per channel: the chunk summary.
template <std::size_t N>
struct Summary {
  std::array<std::uint64_t, N> min{};
  std::array<std::uint64_t, N> max{};
  std::uint8_t present = 0;

  void add(const Values<N>& v) {
    for (std::size_t c = 0; c < N; ++c) {
      if (!v[c]) {
        continue;
      }
      const unsigned bit = 1U << c;
      if ((present & bit) == 0) {
        min[c] = max[c] = *v[c];
        present = static_cast<std::uint8_t>(present | bit);
      } else {
        min[c] = std::min(min[c], *v[c]);
        max[c] = std::max(max[c], *v[c]);
      }
    }
  }

  template <typename Out>
  void encode(Out& out) const {
    out.push_back(static_cast<typename Out::value_type>(present));
    for (std::size_t c = 0; c < N; ++c) {
      if ((present & (1U << c)) != 0) {
        varint::put_u64(out, min[c]);
        varint::put_u64(out, max[c] - min[c]);
      }
    }
  }
};

// Reads channel `c` from an encoded summary trailer [p, end). False when malformed; `found`
// stays false when the channel had no present value.
bool read_summary_channel(const std::uint8_t* p, const std::uint8_t* end, std::size_t c,
                          bool& found, std::uint64_t& lo, std::uint64_t& hi);

// get_u64 with the one-byte case inline: most deltas and gaps fit in one byte, and keeping the
// cursor out of memory makes decoding about twice as fast.
inline bool read_varint(const std::uint8_t*& p, const std::uint8_t* end, std::uint64_t& v) {
  if (p != end && *p < 0x80) {
    v = *p++;
    return true;
  }
  const std::uint8_t* q = p;
  const auto r = varint::get_u64(q, end);
  if (!r) {
    return false;
  }
  p = q;
  v = *r;
  return true;
}
}  // namespace lw::store::series_detail
