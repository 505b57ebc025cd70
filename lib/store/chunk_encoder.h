#pragma once

// Writes the chunk format of chunk_codec.h.

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "store/chunk_codec.h"
#include "store/varint.h"

namespace lw::store::series_detail {

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

}  // namespace lw::store::series_detail
