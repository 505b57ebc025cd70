#pragma once

// CompressedSeries<N>: the history of one thing (a process, a cgroup) as samples of N channels
// (N <= 8), each channel an optional u64 (absent != 0). A sample is keyed by the scan sequence
// number from TimeIndex; times are stored once per scan there, never here.
//
// Encoding. Samples are grouped into chunks of up to K (default 120) samples. The newest chunk is
// "open" and grows as samples arrive; when it holds K samples the next append closes it: it is
// re-encoded once (with per-channel scales), given a summary trailer, shrunk to fit and never
// touched again. Every chunk decodes on its own, so retention can drop whole chunks. The bytes of
// a chunk are described in chunk_codec.h (written by chunk_encoder.h, read by chunk_decoder.h); an
// unchanged sample at the next seq costs one byte.
//
// Retention granularity is one chunk: drop_before(seq) removes only chunks whose every sample is
// older than seq, so up to K-1 older samples may remain. Readers pass from_seq to ignore them.
//
// Not thread-safe; only the scanner thread touches the store.

#include <algorithm>
#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.h"
#include "store/chunk.h"
#include "store/chunk_codec.h"
#include "store/chunk_decoder.h"
#include "store/chunk_encoder.h"
#include "store/heap_bytes.h"
#include "store/varint.h"

namespace lw::store {

// Min and max of the present values of one channel; both nullopt when no value was present.
struct ChannelRange {
  std::optional<std::uint64_t> min;
  std::optional<std::uint64_t> max;
  bool operator==(const ChannelRange&) const = default;
};

template <std::size_t N>
class CompressedSeries {
  static_assert(N >= 1 && N <= 8, "one presence byte holds at most 8 channels");

 public:
  using Values = series_detail::Values<N>;

  // chunk_samples (K) is clamped to [1, kMaxChunkSamples].
  explicit CompressedSeries(std::uint32_t chunk_samples = kDefaultChunkSamples)
      : chunk_samples_(std::clamp<std::uint32_t>(chunk_samples, 1, kMaxChunkSamples)) {}

  // Adds a sample. seq must be greater than last_seq(); otherwise the sample is ignored and
  // counted in rejected().
  void append(std::uint64_t seq, const Values& values);

  // Drops every chunk whose last seq is < seq. Granularity is one chunk: samples older than seq
  // that share a chunk with a newer sample stay until the whole chunk is old.
  void drop_before(std::uint64_t seq);

  // Calls fn(seq, const Values&) for every sample with seq >= from_seq, oldest -> newest.
  template <class Fn>
  void for_each(std::uint64_t from_seq, Fn&& fn) const;

  // Min/max of the present values of `channel` over samples with seq >= from_seq. Chunks wholly
  // inside the range answer from their summary; only a chunk straddling from_seq is decoded.
  ChannelRange range_since(std::size_t channel, std::uint64_t from_seq) const;

  std::size_t size() const { return open_.count + closed_samples_; }
  bool empty() const { return open_.count == 0; }

  std::optional<std::uint64_t> first_seq() const {
    if (!closed_.empty()) {
      return closed_.front().first_seq;
    }
    if (open_.count != 0) {
      return open_.first_seq;
    }
    return std::nullopt;
  }
  std::optional<std::uint64_t> last_seq() const {
    if (open_.count == 0) {
      return std::nullopt;
    }
    return open_.last_seq;
  }

  // The latest sample's values, O(1); nullptr when the series is empty.
  const Values* last() const { return open_.count == 0 ? nullptr : &last_; }

  // Memory this series costs: the object itself plus every heap block it owns (chunk table and
  // chunk bytes, by capacity, each rounded as glibc malloc rounds it; see heap_bytes.h).
  std::size_t bytes() const {
    return sizeof(*this) + closed_heap_bytes_ + heap_block_bytes(open_.bytes.capacity());
  }

  std::uint64_t rejected() const { return rejected_; }  // not serialised: a runtime counter
  std::size_t chunk_count() const { return closed_.size() + (open_.count != 0 ? 1 : 0); }
  std::uint32_t chunk_samples() const { return chunk_samples_; }

  // Appends the series in the varint format: N, K, the closed chunks (first seq, count, bytes),
  // then the open chunk (count, first seq, bytes). Chunk bytes are copied as they are.
  void serialize(std::string& out) const;

  // Reads what serialize() wrote and consumes it from `in` (left unchanged on error). Every
  // chunk is decoded and its summary checked, so garbage or truncation gives kMalformed; it
  // never reads out of bounds and never throws (allocations are bounded by the input size).
  static Result<CompressedSeries> deserialize(std::string_view& in);

 private:
  using Chunk = series_detail::Chunk;

  // Enough for K unchanged samples plus the base, so an idle series never reallocates.
  std::size_t initial_reserve() const { return chunk_samples_ + 2 + 5 * N; }

  void start_open(std::uint64_t seq, const Values& values);
  void close_open();
  // Per channel, the trailing zero bits that every value of the open chunk shares.
  std::array<std::uint8_t, N> common_shifts() const;
  void merge_straddling_range(const Chunk& c, std::size_t samples_end, std::size_t channel,
                              std::uint64_t from_seq, ChannelRange& r) const;

  // Sample count and heap bytes of closed_, kept as it changes (once per chunk): size() and
  // bytes() are asked of every series every scan.
  void recount_closed() {
    closed_samples_ = series_detail::sample_count(closed_);
    closed_heap_bytes_ = series_detail::closed_heap_bytes(closed_);
  }

  std::vector<Chunk> closed_;  // oldest first; immutable once here
  std::size_t closed_samples_ = 0;
  std::size_t closed_heap_bytes_ = 0;
  Chunk open_;  // count == 0: the series is empty
  series_detail::Summary<N> open_summary_;
  Values last_{};  // the latest sample; also the open chunk's encoder state
  std::uint32_t chunk_samples_;
  std::uint64_t rejected_ = 0;
};

// --- appending and retention ---------------------------------------------------------------------

template <std::size_t N>
void CompressedSeries<N>::append(std::uint64_t seq, const Values& values) {
  if (open_.count != 0 && seq <= open_.last_seq) {
    ++rejected_;
    return;
  }
  if (open_.count == 0) {
    start_open(seq, values);
    return;
  }
  if (open_.count >= chunk_samples_) {
    close_open();
    start_open(seq, values);
    return;
  }
  auto enc = series_detail::ChunkEncoder<N>::resume(last_, open_.last_seq);
  enc.add(open_.bytes, seq, values);
  ++open_.count;
  open_.last_seq = seq;
  open_summary_.add(values);
  last_ = values;
}

template <std::size_t N>
void CompressedSeries<N>::drop_before(std::uint64_t seq) {
  const std::size_t chunks = closed_.size();
  const std::size_t capacity = closed_.capacity();
  series_detail::drop_closed_chunks_before(closed_, seq);
  if (closed_.size() != chunks || closed_.capacity() != capacity) {
    recount_closed();
  }
  if (closed_.empty() && open_.count != 0 && open_.last_seq < seq) {
    open_ = Chunk{};  // releases the buffer too
    open_summary_ = {};
    last_ = {};
  }
}

template <std::size_t N>
void CompressedSeries<N>::start_open(std::uint64_t seq, const Values& values) {
  open_ = series_detail::make_chunk(seq, seq, 1);
  open_.bytes.reserve(initial_reserve());
  series_detail::ChunkEncoder<N> enc;
  enc.begin(open_.bytes, seq, values);
  open_summary_ = {};
  open_summary_.add(values);
  last_ = values;
}

// Moves the full open chunk into closed_: re-encoded with per-channel shifts when the values
// share trailing zero bits, then the summary trailer, then shrunk to fit.
template <std::size_t N>
void CompressedSeries<N>::close_open() {
  series_detail::ChunkEncoder<N> enc;
  enc.shift = common_shifts();
  const bool scaled =
      std::any_of(enc.shift.begin(), enc.shift.end(), [](std::uint8_t s) { return s != 0; });
  Chunk done = series_detail::make_chunk(open_.first_seq, open_.last_seq, open_.count);
  if (scaled) {
    const std::uint8_t* begin = open_.bytes.data();
    done.bytes.reserve(open_.bytes.size());
    bool first = true;
    series_detail::decode_chunk<N>(begin, begin + open_.bytes.size(), open_.first_seq, open_.count,
                                   [&](std::uint64_t seq, const Values& v) {
                                     if (first) {
                                       enc.begin(done.bytes, seq, v);
                                       first = false;
                                     } else {
                                       enc.add(done.bytes, seq, v);
                                     }
                                   });
  } else {
    done.bytes = std::move(open_.bytes);
  }
  done.samples_end = static_cast<std::uint32_t>(done.bytes.size());
  open_summary_.encode(done.bytes);
  done.bytes.shrink_to_fit();
  series_detail::push_closed_chunk(closed_, std::move(done));
  recount_closed();
  open_ = Chunk{};
}

template <std::size_t N>
std::array<std::uint8_t, N> CompressedSeries<N>::common_shifts() const {
  const std::uint8_t* begin = open_.bytes.data();
  std::array<std::uint64_t, N> ored{};
  series_detail::decode_chunk<N>(begin, begin + open_.bytes.size(), open_.first_seq, open_.count,
                                 [&ored](std::uint64_t, const Values& v) {
                                   for (std::size_t c = 0; c < N; ++c) {
                                     ored[c] |= v[c].value_or(0);
                                   }
                                 });
  std::array<std::uint8_t, N> shift{};
  for (std::size_t c = 0; c < N; ++c) {
    if (ored[c] != 0) {
      shift[c] = static_cast<std::uint8_t>(std::countr_zero(ored[c]));
    }
  }
  return shift;
}

// --- reading -------------------------------------------------------------------------------------

template <std::size_t N>
template <class Fn>
void CompressedSeries<N>::for_each(std::uint64_t from_seq, Fn&& fn) const {
  auto visit = [&](const Chunk& c, std::size_t samples_end) {
    if (c.last_seq < from_seq) {
      return;
    }
    const std::uint8_t* begin = c.bytes.data();
    if (c.first_seq >= from_seq) {
      series_detail::decode_chunk<N>(begin, begin + samples_end, c.first_seq, c.count, fn);
    } else {
      series_detail::decode_chunk<N>(begin, begin + samples_end, c.first_seq, c.count,
                                     [&](std::uint64_t s, const Values& v) {
                                       if (s >= from_seq) {
                                         fn(s, v);
                                       }
                                     });
    }
  };
  for (const Chunk& c : closed_) {
    visit(c, c.samples_end);
  }
  if (open_.count != 0) {
    visit(open_, open_.bytes.size());
  }
}

namespace series_detail {

inline void merge_range(ChannelRange& r, std::uint64_t lo, std::uint64_t hi) {
  r.min = r.min ? std::min(*r.min, lo) : lo;
  r.max = r.max ? std::max(*r.max, hi) : hi;
}

}  // namespace series_detail

template <std::size_t N>
ChannelRange CompressedSeries<N>::range_since(std::size_t channel, std::uint64_t from_seq) const {
  ChannelRange r;
  if (channel >= N) {
    return r;
  }
  for (const Chunk& c : closed_) {
    if (c.last_seq < from_seq) {
      continue;
    }
    if (c.first_seq < from_seq) {
      merge_straddling_range(c, c.samples_end, channel, from_seq, r);
      continue;
    }
    bool found = false;
    std::uint64_t lo = 0;
    std::uint64_t hi = 0;
    const std::uint8_t* begin = c.bytes.data();
    series_detail::read_summary_channel(begin + c.samples_end, begin + c.bytes.size(), channel,
                                        found, lo, hi);
    if (found) {
      series_detail::merge_range(r, lo, hi);
    }
  }
  if (open_.count != 0 && open_.last_seq >= from_seq) {
    if (open_.first_seq < from_seq) {
      merge_straddling_range(open_, open_.bytes.size(), channel, from_seq, r);
    } else if ((open_summary_.present & (1U << channel)) != 0) {
      series_detail::merge_range(r, open_summary_.min[channel], open_summary_.max[channel]);
    }
  }
  return r;
}

// A chunk that straddles from_seq cannot answer from its summary: decode it.
template <std::size_t N>
void CompressedSeries<N>::merge_straddling_range(const Chunk& c, std::size_t samples_end,
                                                 std::size_t channel, std::uint64_t from_seq,
                                                 ChannelRange& r) const {
  const std::uint8_t* begin = c.bytes.data();
  series_detail::decode_chunk<N>(begin, begin + samples_end, c.first_seq, c.count,
                                 [&](std::uint64_t s, const Values& v) {
                                   if (s >= from_seq && v[channel]) {
                                     series_detail::merge_range(r, *v[channel], *v[channel]);
                                   }
                                 });
}

// --- the serialised form -------------------------------------------------------------------------

template <std::size_t N>
void CompressedSeries<N>::serialize(std::string& out) const {
  varint::put_u64(out, N);
  varint::put_u64(out, chunk_samples_);
  varint::put_u64(out, closed_.size());
  for (const Chunk& c : closed_) {
    varint::put_u64(out, c.first_seq);
    varint::put_u64(out, c.count);
    series_detail::put_chunk_bytes(out, c.bytes);
  }
  varint::put_u64(out, open_.count);
  if (open_.count != 0) {
    varint::put_u64(out, open_.first_seq);
    series_detail::put_chunk_bytes(out, open_.bytes);
  }
}

template <std::size_t N>
Result<CompressedSeries<N>> CompressedSeries<N>::deserialize(std::string_view& in) {
  std::string_view rest = in;
  const auto header = series_detail::read_series_header(rest, N);
  if (!header) {
    return header.error();
  }
  CompressedSeries s(header->chunk_samples);
  s.closed_.reserve(static_cast<std::size_t>(header->closed_chunks));
  std::optional<std::uint64_t> prev_last;
  for (std::uint64_t i = 0; i < header->closed_chunks; ++i) {
    auto chunk = series_detail::read_closed_chunk_record(rest, s.chunk_samples_);
    if (!chunk) {
      return chunk.error();
    }
    if (const Status decoded = series_detail::decode_closed_chunk<N>(*chunk); !decoded) {
      return decoded.error();
    }
    if (prev_last && chunk->first_seq <= *prev_last) {
      return malformed("series: chunks out of order");
    }
    prev_last = chunk->last_seq;
    s.closed_.push_back(std::move(*chunk));
  }
  s.recount_closed();
  auto open =
      series_detail::read_open_chunk_record(rest, s.chunk_samples_, prev_last, s.initial_reserve());
  if (!open) {
    return open.error();
  }
  s.open_ = std::move(*open);
  if (s.open_.count != 0) {
    const Status decoded = series_detail::decode_open_chunk<N>(s.open_, s.open_summary_, s.last_);
    if (!decoded) {
      return decoded.error();
    }
  }
  in = rest;
  return s;
}

}  // namespace lw::store
