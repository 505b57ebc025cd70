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
// The decoder is the hot path of every analysis (each window of each series is decoded every
// scan), so it is written to stay in registers once inlined: state in locals, the byte cursor
// passed by reference and never stored.

#include <algorithm>
#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <vector>

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

// Appends samples to one chunk's byte stream. The open chunk never has shifts, so its encoder
// state is fully described by the series' latest values and seq (see resume()).
template <std::size_t N>
struct ChunkEncoder {
  std::array<std::uint8_t, N> shift{};
  std::array<std::uint64_t, N> cur{};  // latest values >> shift; 0 for absent channels
  unsigned mask = 0;                   // presence of the latest sample
  std::uint64_t seq = 0;

  static ChunkEncoder resume(const Values<N>& latest, std::uint64_t latest_seq) {
    ChunkEncoder e;
    for (std::size_t c = 0; c < N; ++c) {
      e.cur[c] = latest[c].value_or(0);
    }
    e.mask = presence_of<N>(latest);
    e.seq = latest_seq;
    return e;
  }

  // Writes the chunk head: scales, the first sample's presence and its base values.
  void begin(std::vector<std::uint8_t>& out, std::uint64_t first_seq, const Values<N>& v) {
    unsigned scale_mask = 0;
    for (std::size_t c = 0; c < N; ++c) {
      if (shift[c] != 0) {
        scale_mask |= 1U << c;
      }
    }
    out.push_back(static_cast<std::uint8_t>(scale_mask));
    for (std::size_t c = 0; c < N; ++c) {
      if (shift[c] != 0) {
        out.push_back(shift[c]);
      }
    }
    mask = presence_of<N>(v);
    out.push_back(static_cast<std::uint8_t>(mask));
    for (std::size_t c = 0; c < N; ++c) {
      cur[c] = v[c] ? (*v[c] >> shift[c]) : 0;
      if (v[c]) {
        varint::put_u64(out, cur[c]);
      }
    }
    seq = first_seq;
  }

  // Writes one further sample: header, extension, gap, presence, then the changed deltas.
  void add(std::vector<std::uint8_t>& out, std::uint64_t new_seq, const Values<N>& v) {
    const unsigned new_mask = presence_of<N>(v);
    std::array<std::uint64_t, N> next{};
    unsigned changed = 0;
    for (std::size_t c = 0; c < N; ++c) {
      if (v[c]) {
        next[c] = *v[c] >> shift[c];
        if (next[c] != cur[c]) {
          changed |= 1U << c;
        }
      }
    }
    unsigned header = changed & kHeaderChannels;
    unsigned ext = (changed >> 6) << 1;
    if (new_mask != mask) {
      ext |= kExtPresence;
    }
    const bool gap = new_seq != seq + 1;
    if (gap) {
      header |= kHeaderGap;
    }
    if (ext != 0) {
      header |= kHeaderExt;
    }
    out.push_back(static_cast<std::uint8_t>(header));
    if (ext != 0) {
      out.push_back(static_cast<std::uint8_t>(ext));
    }
    if (gap) {
      varint::put_u64(out, new_seq - seq - 1);
    }
    if ((ext & kExtPresence) != 0) {
      out.push_back(static_cast<std::uint8_t>(new_mask));
    }
    for (unsigned rest = changed; rest != 0; rest &= rest - 1) {
      const auto c = static_cast<std::size_t>(std::countr_zero(rest));
      // Wrapping difference reinterpreted as signed: exact for any pair of u64 values.
      varint::put_i64(out, static_cast<std::int64_t>(next[c] - cur[c]));
    }
    cur = next;
    mask = new_mask;
    seq = new_seq;
  }
};

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

// Reads one chunk's samples in order. Every read_* returns false on malformed bytes and never
// reads outside [p, end); values() and seq() are then meaningless.
template <std::size_t N>
class ChunkDecoder {
 public:
  explicit ChunkDecoder(std::uint64_t first_seq) : seq_(first_seq) {}

  std::uint64_t seq() const { return seq_; }
  const Values<N>& values() const { return out_; }

  // The chunk head: scales, the first sample's presence and its base values.
  bool read_head(const std::uint8_t*& p, const std::uint8_t* end) {
    return read_scales(p, end) && read_base(p, end);
  }

  // One further sample. Forced inline: as a call, the decoder's state would live in memory, which
  // makes decoding almost twice as slow.
  [[gnu::always_inline]] bool read_sample(const std::uint8_t*& p, const std::uint8_t* end) {
    if (p == end) {
      return false;
    }
    const unsigned header = *p++;
    if (header == 0) {  // the common case: nothing changed, next seq
      return step_seq(0);
    }
    unsigned ext = 0;
    if ((header & kHeaderExt) != 0) {
      if (p == end) {
        return false;
      }
      ext = *p++;
      if ((ext & ~kExtKnown) != 0) {
        return false;
      }
    }
    if ((header & kHeaderGap) != 0) {
      std::uint64_t gap = 0;
      if (!read_varint(p, end, gap) || !step_seq(gap)) {
        return false;
      }
    } else if (!step_seq(0)) {
      return false;
    }
    if ((ext & kExtPresence) != 0 && !read_presence(p, end)) {
      return false;
    }
    const unsigned changed = (header & kHeaderChannels) | ((ext >> 1) << 6);
    return read_deltas(p, end, changed);
  }

 private:
  static constexpr unsigned kAll = kAllChannels<N>;

  bool read_scales(const std::uint8_t*& p, const std::uint8_t* end) {
    if (p == end) {
      return false;
    }
    const unsigned scale_mask = *p++;
    if ((scale_mask & ~kAll) != 0) {
      return false;
    }
    for (std::size_t c = 0; c < N; ++c) {
      if ((scale_mask & (1U << c)) != 0) {
        if (p == end || *p == 0 || *p > 63) {
          return false;
        }
        shift_[c] = *p++;
      }
      limit_[c] = std::numeric_limits<std::uint64_t>::max() >> shift_[c];
    }
    return true;
  }

  bool read_base(const std::uint8_t*& p, const std::uint8_t* end) {
    if (p == end) {
      return false;
    }
    mask_ = *p++;
    if ((mask_ & ~kAll) != 0) {
      return false;
    }
    for (std::size_t c = 0; c < N; ++c) {
      if ((mask_ & (1U << c)) != 0) {
        std::uint64_t v = 0;
        if (!read_varint(p, end, v) || v > limit_[c]) {
          return false;
        }
        cur_[c] = v;
        out_[c] = v << shift_[c];
      }
    }
    return true;
  }

  // Advances seq by gap + 1; false when that would pass the largest seq.
  bool step_seq(std::uint64_t gap) {
    if (gap >= std::numeric_limits<std::uint64_t>::max() - seq_) {
      return false;
    }
    seq_ += gap + 1;
    return true;
  }

  bool read_presence(const std::uint8_t*& p, const std::uint8_t* end) {
    if (p == end) {
      return false;
    }
    const unsigned new_mask = *p++;
    if ((new_mask & ~kAll) != 0) {
      return false;
    }
    for (std::size_t c = 0; c < N; ++c) {
      const unsigned bit = 1U << c;
      if ((new_mask & bit) != (mask_ & bit)) {
        cur_[c] = 0;  // absent channels restart from base 0
        out_[c] = (new_mask & bit) != 0 ? std::optional<std::uint64_t>(0) : std::nullopt;
      }
    }
    mask_ = new_mask;
    return true;
  }

  bool read_deltas(const std::uint8_t*& p, const std::uint8_t* end, unsigned changed) {
    if ((changed & ~mask_) != 0) {  // a change on an absent (or nonexistent) channel
      return false;
    }
    for (unsigned rest = changed; rest != 0; rest &= rest - 1) {
      const auto c = static_cast<std::size_t>(std::countr_zero(rest));
      std::uint64_t z = 0;
      if (!read_varint(p, end, z)) {
        return false;
      }
      cur_[c] += static_cast<std::uint64_t>(varint::unzigzag(z));
      if (cur_[c] > limit_[c]) {
        return false;
      }
      out_[c] = cur_[c] << shift_[c];
    }
    return true;
  }

  std::array<unsigned, N> shift_{};
  std::array<std::uint64_t, N> limit_{};  // largest value>>shift that shifts back without overflow
  std::array<std::uint64_t, N> cur_{};    // latest values >> shift; 0 for absent channels
  Values<N> out_{};
  unsigned mask_ = 0;  // presence of the latest sample
  std::uint64_t seq_;
};

// Decodes `count` samples from [p, end), calling fn(seq, values) for each. Returns the position
// after the last sample, or nullptr if the bytes are malformed (never reads outside [p, end)).
template <std::size_t N, typename Fn>
const std::uint8_t* decode_chunk(const std::uint8_t* p, const std::uint8_t* end, std::uint64_t seq,
                                 std::uint32_t count, Fn&& fn) {
  if (count == 0) {
    return nullptr;
  }
  ChunkDecoder<N> decoder(seq);
  if (!decoder.read_head(p, end)) {
    return nullptr;
  }
  fn(decoder.seq(), decoder.values());
  for (std::uint32_t i = 1; i < count; ++i) {
    if (!decoder.read_sample(p, end)) {
      return nullptr;
    }
    fn(decoder.seq(), decoder.values());
  }
  return p;
}

}  // namespace lw::store::series_detail
