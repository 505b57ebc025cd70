#pragma once

// One chunk of a CompressedSeries (its encoded bytes and where it sits in seq), and the parts of
// the series' bookkeeping and serialised form that do not depend on the channel count N: the
// table of closed chunks, and reading the varint records that frame each chunk's bytes. What is
// inside the bytes is chunk_codec.h's business.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace lw::store {

inline constexpr std::uint32_t kDefaultChunkSamples = 120;
inline constexpr std::uint32_t kMaxChunkSamples = 1U << 16;

}  // namespace lw::store

namespace lw::store::series_detail {

struct Chunk {
  std::uint64_t first_seq = 0;
  std::uint64_t last_seq = 0;
  std::uint32_t count = 0;
  std::uint32_t samples_end = 0;  // closed chunks: where the summary trailer starts
  std::vector<std::uint8_t> bytes;
};

Chunk make_chunk(std::uint64_t first, std::uint64_t last, std::uint32_t count);

// --- the table of closed chunks (oldest first) ---------------------------------------------------

// Appends a closed chunk, growing the table by a few slots at a time: a series holds ~20 chunks,
// and doubling would waste up to half the table.
void push_closed_chunk(std::vector<Chunk>& closed, Chunk chunk);

// Erases the chunks whose last seq is < seq, and gives back table space that is no longer needed.
void drop_closed_chunks_before(std::vector<Chunk>& closed, std::uint64_t seq);

std::size_t sample_count(const std::vector<Chunk>& closed);

// Heap bytes of the table and of every chunk's bytes, by capacity (see heap_bytes.h).
std::size_t closed_heap_bytes(const std::vector<Chunk>& closed);

// --- the serialised form (see CompressedSeries::serialize) ---------------------------------------

// A varint length, then the bytes as they are.
void put_chunk_bytes(std::string& out, const std::vector<std::uint8_t>& bytes);

struct SeriesHeader {
  std::uint32_t chunk_samples = 0;  // K
  std::uint64_t closed_chunks = 0;  // bounded by the input left: each takes at least one byte
};

// Reads N (must equal `channels`), K and the closed chunk count.
Result<SeriesHeader> read_series_header(std::string_view& in, std::size_t channels);

// Reads one closed chunk's record (first seq, count, bytes). The bytes are copied but not
// decoded: last_seq and samples_end are left for the caller, who knows N.
Result<Chunk> read_closed_chunk_record(std::string_view& in, std::uint32_t chunk_samples);

// Reads the open chunk's record (count, then first seq and bytes if count > 0). A count of 0 gives
// an empty chunk, valid only when there are no closed chunks. The bytes are copied into a buffer
// of at least `reserve` bytes but not decoded: last_seq is left for the caller.
Result<Chunk> read_open_chunk_record(std::string_view& in, std::uint32_t chunk_samples,
                                     std::optional<std::uint64_t> closed_last_seq,
                                     std::size_t reserve);

}  // namespace lw::store::series_detail
