#include "store/chunk.h"

#include <algorithm>
#include <utility>

#include "store/heap_bytes.h"
#include "store/varint.h"

namespace lw::store::series_detail {

namespace {

constexpr std::size_t kChunkSlots = 4;  // the chunk table grows by this many

}  // namespace

Chunk make_chunk(std::uint64_t first, std::uint64_t last, std::uint32_t count) {
  Chunk c;
  c.first_seq = first;
  c.last_seq = last;
  c.count = count;
  return c;
}

void push_closed_chunk(std::vector<Chunk>& closed, Chunk chunk) {
  if (closed.size() == closed.capacity()) {
    closed.reserve(closed.size() + kChunkSlots);
  }
  closed.push_back(std::move(chunk));
}

void drop_closed_chunks_before(std::vector<Chunk>& closed, std::uint64_t seq) {
  const auto keep = std::find_if(closed.begin(), closed.end(),
                                 [seq](const Chunk& c) { return c.last_seq >= seq; });
  closed.erase(closed.begin(), keep);
  if (closed.capacity() > closed.size() + kChunkSlots * 2) {
    closed.shrink_to_fit();
  }
}

std::size_t sample_count(const std::vector<Chunk>& closed) {
  std::size_t n = 0;
  for (const Chunk& c : closed) {
    n += c.count;
  }
  return n;
}

std::size_t closed_heap_bytes(const std::vector<Chunk>& closed) {
  std::size_t total = heap_block_bytes(closed.capacity() * sizeof(Chunk));
  for (const Chunk& c : closed) {
    total += heap_block_bytes(c.bytes.capacity());
  }
  return total;
}

void put_chunk_bytes(std::string& out, const std::vector<std::uint8_t>& bytes) {
  varint::put_u64(out, bytes.size());
  out.append(bytes.begin(), bytes.end());
}

Result<SeriesHeader> read_series_header(std::string_view& in, std::size_t channels) {
  const auto n = varint::get_u64(in);
  if (!n) {
    return malformed("series: truncated header");
  }
  if (*n != channels) {
    return malformed("series: " + std::to_string(*n) + " channels, expected " +
                     std::to_string(channels));
  }
  const auto k = varint::get_u64(in);
  if (!k || *k == 0 || *k > kMaxChunkSamples) {
    return malformed("series: bad chunk size");
  }
  const auto closed = varint::get_u64(in);
  if (!closed || *closed > in.size()) {  // every chunk takes at least one byte
    return malformed("series: bad chunk count");
  }
  return SeriesHeader{.chunk_samples = static_cast<std::uint32_t>(*k), .closed_chunks = *closed};
}

Result<Chunk> read_closed_chunk_record(std::string_view& in, std::uint32_t chunk_samples) {
  const auto first = varint::get_u64(in);
  const auto count = first ? varint::get_u64(in) : std::nullopt;
  const auto bytes = count ? varint::get_bytes(in) : std::nullopt;
  if (!bytes) {
    return malformed("series: truncated chunk");
  }
  if (*count == 0 || *count > chunk_samples) {
    return malformed("series: bad chunk sample count");
  }
  Chunk c = make_chunk(*first, *first, static_cast<std::uint32_t>(*count));
  c.bytes.assign(bytes->begin(), bytes->end());
  return c;
}

Result<Chunk> read_open_chunk_record(std::string_view& in, std::uint32_t chunk_samples,
                                     std::optional<std::uint64_t> closed_last_seq,
                                     std::size_t reserve) {
  const auto count = varint::get_u64(in);
  if (!count || *count > chunk_samples) {
    return malformed("series: bad open chunk count");
  }
  if (*count == 0) {
    if (closed_last_seq) {
      return malformed("series: closed chunks without an open chunk");
    }
    return Chunk{};
  }
  const auto first = varint::get_u64(in);
  const auto bytes = first ? varint::get_bytes(in) : std::nullopt;
  if (!bytes) {
    return malformed("series: truncated open chunk");
  }
  if (closed_last_seq && *first <= *closed_last_seq) {
    return malformed("series: chunks out of order");
  }
  if (bytes->empty() || bytes->front() != 0) {  // the open chunk is never scaled
    return malformed("series: corrupt open chunk");
  }
  Chunk c = make_chunk(*first, *first, static_cast<std::uint32_t>(*count));
  c.bytes.reserve(std::max(bytes->size(), reserve));
  c.bytes.assign(bytes->begin(), bytes->end());
  return c;
}

}  // namespace lw::store::series_detail
