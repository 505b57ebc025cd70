#pragma once

// Reads the chunk format of chunk_codec.h. The decoder is the hot path of every analysis (each
// window of each series is decoded every scan), so it is written to stay in registers once
// inlined: state in locals, the byte cursor passed by reference and never stored.

#include <algorithm>
#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <vector>

#include "base/result.h"
#include "store/chunk.h"
#include "store/chunk_codec.h"
#include "store/varint.h"

namespace lw::store::series_detail {

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

  // One channel-mask byte; false at the end of the chunk or when it names channels beyond N.
  static bool read_mask(const std::uint8_t*& p, const std::uint8_t* end, unsigned& mask) {
    if (p == end) {
      return false;
    }
    mask = *p++;
    return (mask & ~kAll) == 0;
  }

  bool read_scales(const std::uint8_t*& p, const std::uint8_t* end) {
    unsigned scale_mask = 0;
    if (!read_mask(p, end, scale_mask)) {
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
    if (!read_mask(p, end, mask_)) {
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
    unsigned new_mask = 0;
    if (!read_mask(p, end, new_mask)) {
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

// Decodes a closed chunk read from the serialised form: sets its last_seq and samples_end, and
// checks that its summary trailer matches its samples.
template <std::size_t N>
Status decode_closed_chunk(Chunk& c) {
  Summary<N> summary;
  const std::uint8_t* begin = c.bytes.data();
  const std::uint8_t* end = begin + c.bytes.size();
  const std::uint8_t* samples_end =
      decode_chunk<N>(begin, end, c.first_seq, c.count, [&](std::uint64_t seq, const Values<N>& v) {
        c.last_seq = seq;
        summary.add(v);
      });
  if (samples_end == nullptr) {
    return malformed("series: corrupt chunk");
  }
  std::vector<std::uint8_t> trailer;
  summary.encode(trailer);
  if (!std::equal(samples_end, end, trailer.begin(), trailer.end())) {
    return malformed("series: chunk summary does not match its samples");
  }
  c.samples_end = static_cast<std::uint32_t>(samples_end - begin);
  return Ok{};
}

// Decodes an open chunk (count > 0) read from the serialised form: sets its last_seq, and fills
// its running summary and the latest sample. Its bytes must hold exactly `count` samples.
template <std::size_t N>
Status decode_open_chunk(Chunk& c, Summary<N>& summary, Values<N>& last) {
  const std::uint8_t* begin = c.bytes.data();
  const std::uint8_t* end = begin + c.bytes.size();
  const std::uint8_t* samples_end =
      decode_chunk<N>(begin, end, c.first_seq, c.count, [&](std::uint64_t seq, const Values<N>& v) {
        c.last_seq = seq;
        summary.add(v);
        last = v;
      });
  if (samples_end != end) {
    return malformed("series: corrupt open chunk");
  }
  return Ok{};
}

}  // namespace lw::store::series_detail
