#include "store/time_index.h"

#include <limits>

#include "store/heap_bytes.h"
#include "store/varint.h"

namespace lw::store {

TimeIndex::TimeIndex(std::size_t capacity, std::uint64_t first_seq)
    : entries_(capacity), next_seq_(first_seq) {}

std::uint64_t TimeIndex::push(std::int64_t steady_ms, std::int64_t wall_ms) {
  const std::uint64_t seq = next_seq_++;
  entries_.push_back(Entry{.seq = seq, .steady_ms = steady_ms, .wall_ms = wall_ms});
  return seq;
}

std::optional<TimeIndex::Entry> TimeIndex::at(std::uint64_t seq) const {
  if (entries_.empty() || seq < oldest_seq() || seq > newest_seq()) {
    return std::nullopt;
  }
  return entries_[static_cast<std::size_t>(seq - oldest_seq())];
}

std::optional<std::uint64_t> TimeIndex::first_seq_since(std::int64_t steady_ms) const {
  std::size_t lo = 0;
  std::size_t hi = entries_.size();
  while (lo < hi) {
    const std::size_t mid = lo + (hi - lo) / 2;
    if (entries_[mid].steady_ms < steady_ms) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  if (lo == entries_.size()) {
    return std::nullopt;
  }
  return entries_[lo].seq;
}

std::size_t TimeIndex::bytes() const {
  return sizeof(*this) + heap_block_bytes(entries_.heap_bytes());
}

namespace {

// Deltas use wrapping arithmetic so that any pair of int64 values round-trips without UB.
std::int64_t wrapping_sub(std::int64_t a, std::int64_t b) {
  return static_cast<std::int64_t>(static_cast<std::uint64_t>(a) - static_cast<std::uint64_t>(b));
}
std::int64_t wrapping_add(std::int64_t a, std::int64_t b) {
  return static_cast<std::int64_t>(static_cast<std::uint64_t>(a) + static_cast<std::uint64_t>(b));
}

}  // namespace

void TimeIndex::shift_steady(std::int64_t delta_ms) {
  for (Entry& e : entries_) {
    e.steady_ms = wrapping_add(e.steady_ms, delta_ms);
  }
}

void TimeIndex::serialize(std::string& out) const {
  varint::put_u64(out, next_seq_);
  varint::put_u64(out, entries_.size());
  std::int64_t steady = 0;
  std::int64_t wall = 0;
  for (const Entry& e : entries_) {
    varint::put_i64(out, wrapping_sub(e.steady_ms, steady));
    varint::put_i64(out, wrapping_sub(e.wall_ms, wall));
    steady = e.steady_ms;
    wall = e.wall_ms;
  }
}

Result<TimeIndex> TimeIndex::deserialize(std::string_view& in, std::size_t capacity) {
  std::string_view rest = in;
  const auto next = varint::get_u64(rest);
  const auto count = next ? varint::get_u64(rest) : std::nullopt;
  if (!count) {
    return malformed("time index: truncated header");
  }
  // Each entry takes at least two bytes; this also bounds the loop on garbage.
  if (*count > *next || *count > rest.size() / 2) {
    return malformed("time index: bad entry count");
  }
  TimeIndex index(capacity, *next - *count);
  std::int64_t steady = 0;
  std::int64_t wall = 0;
  for (std::uint64_t i = 0; i < *count; ++i) {
    const auto ds = varint::get_i64(rest);
    const auto dw = ds ? varint::get_i64(rest) : std::nullopt;
    if (!dw) {
      return malformed("time index: truncated entries");
    }
    steady = wrapping_add(steady, *ds);
    wall = wrapping_add(wall, *dw);
    index.push(steady, wall);
  }
  in = rest;
  return index;
}

}  // namespace lw::store
