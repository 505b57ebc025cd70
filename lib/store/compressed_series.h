#pragma once

// CompressedSeries<N>: the history of one thing (a process, a cgroup) as samples of N channels
// (N <= 8), each channel an optional u64 (absent != 0). A sample is keyed by the scan sequence
// number from TimeIndex; times are stored once per scan there, never here.
//
// Encoding. Samples are grouped into chunks of up to K (default 120) samples. The newest chunk is
// "open" and grows as samples arrive; when it holds K samples the next append closes it: it is
// re-encoded once (see "scale" below), given a summary trailer, shrunk to fit and never touched
// again. Every chunk decodes on its own, so retention can drop whole chunks. Chunk bytes:
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
// Retention granularity is one chunk: drop_before(seq) removes only chunks whose every sample is
// older than seq, so up to K-1 older samples may remain. Readers pass from_seq to ignore them.
//
// Not thread-safe; only the scanner thread touches the store.

#include <algorithm>
#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.h"
#include "store/heap_bytes.h"
#include "store/varint.h"

namespace lw::store {

// Min and max of the present values of one channel; both nullopt when no value was present.
struct ChannelRange {
  std::optional<std::uint64_t> min;
  std::optional<std::uint64_t> max;
  bool operator==(const ChannelRange&) const = default;
};

inline constexpr std::uint32_t kDefaultChunkSamples = 120;
inline constexpr std::uint32_t kMaxChunkSamples = 1U << 16;

namespace series_detail {

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
inline bool read_summary_channel(const std::uint8_t* p, const std::uint8_t* end, std::size_t c,
                                 bool& found, std::uint64_t& lo, std::uint64_t& hi) {
  found = false;
  if (p == end) {
    return false;
  }
  const unsigned present = *p++;
  for (std::size_t i = 0; i < 8; ++i) {
    if ((present & (1U << i)) == 0) {
      continue;
    }
    const auto mn = varint::get_u64(p, end);
    const auto span = mn ? varint::get_u64(p, end) : std::nullopt;
    if (!span) {
      return false;
    }
    if (i == c) {
      found = true;
      lo = *mn;
      hi = *mn + *span;
      return true;
    }
  }
  return true;
}

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

// Decodes `count` samples from [p, end), calling fn(seq, values) for each. Returns the position
// after the last sample, or nullptr if the bytes are malformed (never reads outside [p, end)).
template <std::size_t N, typename Fn>
const std::uint8_t* decode_chunk(const std::uint8_t* p, const std::uint8_t* end, std::uint64_t seq,
                                 std::uint32_t count, Fn&& fn) {
  constexpr unsigned kAll = kAllChannels<N>;
  if (count == 0 || p == end) {
    return nullptr;
  }
  const unsigned scale_mask = *p++;
  if ((scale_mask & ~kAll) != 0) {
    return nullptr;
  }
  std::array<unsigned, N> shift{};
  std::array<std::uint64_t, N> limit{};  // largest value>>shift that shifts back without overflow
  for (std::size_t c = 0; c < N; ++c) {
    if ((scale_mask & (1U << c)) != 0) {
      if (p == end || *p == 0 || *p > 63) {
        return nullptr;
      }
      shift[c] = *p++;
    }
    limit[c] = std::numeric_limits<std::uint64_t>::max() >> shift[c];
  }
  if (p == end) {
    return nullptr;
  }
  unsigned mask = *p++;
  if ((mask & ~kAll) != 0) {
    return nullptr;
  }
  std::array<std::uint64_t, N> cur{};
  Values<N> out{};
  for (std::size_t c = 0; c < N; ++c) {
    if ((mask & (1U << c)) != 0) {
      std::uint64_t v = 0;
      if (!read_varint(p, end, v) || v > limit[c]) {
        return nullptr;
      }
      cur[c] = v;
      out[c] = v << shift[c];
    }
  }
  fn(seq, static_cast<const Values<N>&>(out));
  for (std::uint32_t i = 1; i < count; ++i) {
    if (p == end) {
      return nullptr;
    }
    const unsigned header = *p++;
    if (header == 0) {  // the common case: nothing changed, next seq
      if (seq == std::numeric_limits<std::uint64_t>::max()) {
        return nullptr;
      }
      ++seq;
      fn(seq, static_cast<const Values<N>&>(out));
      continue;
    }
    unsigned ext = 0;
    if ((header & kHeaderExt) != 0) {
      if (p == end) {
        return nullptr;
      }
      ext = *p++;
      if ((ext & ~kExtKnown) != 0) {
        return nullptr;
      }
    }
    if ((header & kHeaderGap) != 0) {
      std::uint64_t gap = 0;
      if (!read_varint(p, end, gap) || gap >= std::numeric_limits<std::uint64_t>::max() - seq) {
        return nullptr;
      }
      seq += gap + 1;
    } else {
      if (seq == std::numeric_limits<std::uint64_t>::max()) {
        return nullptr;
      }
      ++seq;
    }
    if ((ext & kExtPresence) != 0) {
      if (p == end) {
        return nullptr;
      }
      const unsigned new_mask = *p++;
      if ((new_mask & ~kAll) != 0) {
        return nullptr;
      }
      for (std::size_t c = 0; c < N; ++c) {
        const unsigned bit = 1U << c;
        if ((new_mask & bit) != (mask & bit)) {
          cur[c] = 0;  // absent channels restart from base 0
          out[c] = (new_mask & bit) != 0 ? std::optional<std::uint64_t>(0) : std::nullopt;
        }
      }
      mask = new_mask;
    }
    const unsigned changed = (header & kHeaderChannels) | ((ext >> 1) << 6);
    if ((changed & ~mask) != 0) {  // a change on an absent (or nonexistent) channel
      return nullptr;
    }
    for (unsigned rest = changed; rest != 0; rest &= rest - 1) {
      const auto c = static_cast<std::size_t>(std::countr_zero(rest));
      std::uint64_t z = 0;
      if (!read_varint(p, end, z)) {
        return nullptr;
      }
      cur[c] += static_cast<std::uint64_t>(varint::unzigzag(z));
      if (cur[c] > limit[c]) {
        return nullptr;
      }
      out[c] = cur[c] << shift[c];
    }
    fn(seq, static_cast<const Values<N>&>(out));
  }
  return p;
}

}  // namespace series_detail

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
  void append(std::uint64_t seq, const Values& values) {
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

  // Drops every chunk whose last seq is < seq. Granularity is one chunk: samples older than seq
  // that share a chunk with a newer sample stay until the whole chunk is old.
  void drop_before(std::uint64_t seq) {
    const auto keep = std::find_if(closed_.begin(), closed_.end(),
                                   [seq](const Chunk& c) { return c.last_seq >= seq; });
    closed_.erase(closed_.begin(), keep);
    if (closed_.capacity() > closed_.size() + kChunkSlots * 2) {
      closed_.shrink_to_fit();
    }
    if (closed_.empty() && open_.count != 0 && open_.last_seq < seq) {
      open_ = Chunk{};  // releases the buffer too
      open_summary_ = {};
      last_ = {};
    }
  }

  // Calls fn(seq, const Values&) for every sample with seq >= from_seq, oldest -> newest.
  template <class Fn>
  void for_each(std::uint64_t from_seq, Fn&& fn) const {
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

  // Min/max of the present values of `channel` over samples with seq >= from_seq. Chunks wholly
  // inside the range answer from their summary; only a chunk straddling from_seq is decoded.
  ChannelRange range_since(std::size_t channel, std::uint64_t from_seq) const {
    ChannelRange r;
    if (channel >= N) {
      return r;
    }
    auto merge = [&r](std::uint64_t lo, std::uint64_t hi) {
      r.min = r.min ? std::min(*r.min, lo) : lo;
      r.max = r.max ? std::max(*r.max, hi) : hi;
    };
    auto decode_part = [&](const Chunk& c, std::size_t samples_end) {
      const std::uint8_t* begin = c.bytes.data();
      series_detail::decode_chunk<N>(begin, begin + samples_end, c.first_seq, c.count,
                                     [&](std::uint64_t s, const Values& v) {
                                       if (s >= from_seq && v[channel]) {
                                         merge(*v[channel], *v[channel]);
                                       }
                                     });
    };
    for (const Chunk& c : closed_) {
      if (c.last_seq < from_seq) {
        continue;
      }
      if (c.first_seq < from_seq) {
        decode_part(c, c.samples_end);
        continue;
      }
      bool found = false;
      std::uint64_t lo = 0;
      std::uint64_t hi = 0;
      const std::uint8_t* begin = c.bytes.data();
      series_detail::read_summary_channel(begin + c.samples_end, begin + c.bytes.size(), channel,
                                          found, lo, hi);
      if (found) {
        merge(lo, hi);
      }
    }
    if (open_.count != 0 && open_.last_seq >= from_seq) {
      if (open_.first_seq < from_seq) {
        decode_part(open_, open_.bytes.size());
      } else if ((open_summary_.present & (1U << channel)) != 0) {
        merge(open_summary_.min[channel], open_summary_.max[channel]);
      }
    }
    return r;
  }

  std::size_t size() const {
    std::size_t n = open_.count;
    for (const Chunk& c : closed_) {
      n += c.count;
    }
    return n;
  }
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
    std::size_t total = sizeof(*this) + heap_block_bytes(closed_.capacity() * sizeof(Chunk)) +
                        heap_block_bytes(open_.bytes.capacity());
    for (const Chunk& c : closed_) {
      total += heap_block_bytes(c.bytes.capacity());
    }
    return total;
  }

  std::uint64_t rejected() const { return rejected_; }  // not serialised: a runtime counter
  std::size_t chunk_count() const { return closed_.size() + (open_.count != 0 ? 1 : 0); }
  std::uint32_t chunk_samples() const { return chunk_samples_; }

  // Appends the series in the varint format: N, K, the closed chunks (first seq, count, bytes),
  // then the open chunk (count, first seq, bytes). Chunk bytes are copied as they are.
  void serialize(std::string& out) const {
    varint::put_u64(out, N);
    varint::put_u64(out, chunk_samples_);
    varint::put_u64(out, closed_.size());
    for (const Chunk& c : closed_) {
      varint::put_u64(out, c.first_seq);
      varint::put_u64(out, c.count);
      put_chunk_bytes(out, c.bytes);
    }
    varint::put_u64(out, open_.count);
    if (open_.count != 0) {
      varint::put_u64(out, open_.first_seq);
      put_chunk_bytes(out, open_.bytes);
    }
  }

  // Reads what serialize() wrote and consumes it from `in` (left unchanged on error). Every
  // chunk is decoded and its summary checked, so garbage or truncation gives kMalformed; it
  // never reads out of bounds and never throws (allocations are bounded by the input size).
  static Result<CompressedSeries> deserialize(std::string_view& in) {
    std::string_view rest = in;
    const auto n = varint::get_u64(rest);
    if (!n) {
      return malformed("series: truncated header");
    }
    if (*n != N) {
      return malformed("series: " + std::to_string(*n) + " channels, expected " +
                       std::to_string(N));
    }
    const auto k = varint::get_u64(rest);
    if (!k || *k == 0 || *k > kMaxChunkSamples) {
      return malformed("series: bad chunk size");
    }
    CompressedSeries s(static_cast<std::uint32_t>(*k));
    const auto closed = varint::get_u64(rest);
    if (!closed || *closed > rest.size()) {  // every chunk takes at least one byte
      return malformed("series: bad chunk count");
    }
    s.closed_.reserve(static_cast<std::size_t>(*closed));
    std::optional<std::uint64_t> prev_last;
    for (std::uint64_t i = 0; i < *closed; ++i) {
      const auto first = varint::get_u64(rest);
      const auto count = first ? varint::get_u64(rest) : std::nullopt;
      const auto bytes = count ? varint::get_bytes(rest) : std::nullopt;
      if (!bytes) {
        return malformed("series: truncated chunk");
      }
      if (*count == 0 || *count > *k) {
        return malformed("series: bad chunk sample count");
      }
      Chunk c = make_chunk(*first, *first, static_cast<std::uint32_t>(*count));
      c.bytes.assign(bytes->begin(), bytes->end());
      series_detail::Summary<N> summary;
      const std::uint8_t* begin = c.bytes.data();
      const std::uint8_t* end = begin + c.bytes.size();
      const std::uint8_t* samples_end = series_detail::decode_chunk<N>(
          begin, end, c.first_seq, c.count, [&](std::uint64_t seq, const Values& v) {
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
      if (prev_last && c.first_seq <= *prev_last) {
        return malformed("series: chunks out of order");
      }
      prev_last = c.last_seq;
      c.samples_end = static_cast<std::uint32_t>(samples_end - begin);
      s.closed_.push_back(std::move(c));
    }
    const auto open_count = varint::get_u64(rest);
    if (!open_count || *open_count > *k) {
      return malformed("series: bad open chunk count");
    }
    if (*open_count == 0) {
      if (!s.closed_.empty()) {
        return malformed("series: closed chunks without an open chunk");
      }
      in = rest;
      return s;
    }
    const auto first = varint::get_u64(rest);
    const auto bytes = first ? varint::get_bytes(rest) : std::nullopt;
    if (!bytes) {
      return malformed("series: truncated open chunk");
    }
    if (prev_last && *first <= *prev_last) {
      return malformed("series: chunks out of order");
    }
    if (bytes->empty() || bytes->front() != 0) {  // the open chunk is never scaled
      return malformed("series: corrupt open chunk");
    }
    s.open_ = make_chunk(*first, *first, static_cast<std::uint32_t>(*open_count));
    s.open_.bytes.reserve(std::max(bytes->size(), s.initial_reserve()));
    s.open_.bytes.assign(bytes->begin(), bytes->end());
    const std::uint8_t* begin = s.open_.bytes.data();
    const std::uint8_t* end = begin + s.open_.bytes.size();
    const std::uint8_t* samples_end = series_detail::decode_chunk<N>(
        begin, end, s.open_.first_seq, s.open_.count, [&s](std::uint64_t seq, const Values& v) {
          s.open_.last_seq = seq;
          s.open_summary_.add(v);
          s.last_ = v;
        });
    if (samples_end != end) {
      return malformed("series: corrupt open chunk");
    }
    in = rest;
    return s;
  }

 private:
  struct Chunk {
    std::uint64_t first_seq = 0;
    std::uint64_t last_seq = 0;
    std::uint32_t count = 0;
    std::uint32_t samples_end = 0;  // closed chunks: where the summary trailer starts
    std::vector<std::uint8_t> bytes;
  };

  static Chunk make_chunk(std::uint64_t first, std::uint64_t last, std::uint32_t count) {
    Chunk c;
    c.first_seq = first;
    c.last_seq = last;
    c.count = count;
    return c;
  }

  static constexpr std::size_t kChunkSlots = 4;  // the chunk table grows by this many

  static void put_chunk_bytes(std::string& out, const std::vector<std::uint8_t>& bytes) {
    varint::put_u64(out, bytes.size());
    out.append(bytes.begin(), bytes.end());
  }

  // Enough for K unchanged samples plus the base, so an idle series never reallocates.
  std::size_t initial_reserve() const { return chunk_samples_ + 2 + 5 * N; }

  void start_open(std::uint64_t seq, const Values& values) {
    open_ = make_chunk(seq, seq, 1);
    open_.bytes.reserve(initial_reserve());
    series_detail::ChunkEncoder<N> enc;
    enc.begin(open_.bytes, seq, values);
    open_summary_ = {};
    open_summary_.add(values);
    last_ = values;
  }

  // Moves the full open chunk into closed_: re-encoded with per-channel shifts when the values
  // share trailing zero bits, then the summary trailer, then shrunk to fit.
  void close_open() {
    const std::uint8_t* begin = open_.bytes.data();
    const std::uint8_t* end = begin + open_.bytes.size();
    std::array<std::uint64_t, N> ored{};
    series_detail::decode_chunk<N>(begin, end, open_.first_seq, open_.count,
                                   [&ored](std::uint64_t, const Values& v) {
                                     for (std::size_t c = 0; c < N; ++c) {
                                       ored[c] |= v[c].value_or(0);
                                     }
                                   });
    series_detail::ChunkEncoder<N> enc;
    bool scaled = false;
    for (std::size_t c = 0; c < N; ++c) {
      if (ored[c] != 0) {
        enc.shift[c] = static_cast<std::uint8_t>(std::countr_zero(ored[c]));
        scaled = scaled || enc.shift[c] != 0;
      }
    }
    Chunk done = make_chunk(open_.first_seq, open_.last_seq, open_.count);
    if (scaled) {
      done.bytes.reserve(open_.bytes.size());
      bool first = true;
      series_detail::decode_chunk<N>(begin, end, open_.first_seq, open_.count,
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
    if (closed_.size() == closed_.capacity()) {
      // Small steps: a series holds ~20 chunks, and doubling would waste up to half the table.
      closed_.reserve(closed_.size() + kChunkSlots);
    }
    closed_.push_back(std::move(done));
    open_ = Chunk{};
  }

  std::vector<Chunk> closed_;  // oldest first; immutable once here
  Chunk open_;                 // count == 0: the series is empty
  series_detail::Summary<N> open_summary_;
  Values last_{};  // the latest sample; also the open chunk's encoder state
  std::uint32_t chunk_samples_;
  std::uint64_t rejected_ = 0;
};

}  // namespace lw::store
