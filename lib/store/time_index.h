#pragma once

// TimeIndex: the timestamps of the scans, stored once per scan and shared by every series
// (series store only scan sequence numbers). push() assigns consecutive seq numbers; the index
// keeps the newest `capacity` scans in a RingBuffer, so its oldest_seq() is also the retention
// horizon the caller passes to CompressedSeries::drop_before().

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"
#include "store/ring_buffer.h"

namespace lw::store {

class TimeIndex {
 public:
  struct Entry {
    std::uint64_t seq = 0;
    std::int64_t steady_ms = 0;  // CLOCK_MONOTONIC: for durations and rates
    std::int64_t wall_ms = 0;    // CLOCK_REALTIME since the epoch: for display only
    bool operator==(const Entry&) const = default;
  };

  // The first push() returns first_seq. 0 is never assigned by default, so callers may use it
  // as "before everything".
  explicit TimeIndex(std::size_t capacity, std::uint64_t first_seq = 1);

  // Records one scan and returns its seq (always the previous seq + 1).
  std::uint64_t push(std::int64_t steady_ms, std::int64_t wall_ms);

  // nullopt when seq is older than the retained window or was never assigned.
  std::optional<Entry> at(std::uint64_t seq) const;

  // The retained seqs are [oldest_seq(), newest_seq()]. When empty, oldest_seq() is the seq the
  // next push() will return and newest_seq() is one less, so the range is empty and
  // drop_before(oldest_seq()) is always a valid retention call.
  std::uint64_t oldest_seq() const { return next_seq_ - entries_.size(); }
  std::uint64_t newest_seq() const { return next_seq_ - 1; }
  std::uint64_t next_seq() const { return next_seq_; }
  bool empty() const { return entries_.empty(); }
  std::size_t size() const { return entries_.size(); }
  std::size_t capacity() const { return entries_.capacity(); }
  std::uint64_t evicted() const { return entries_.evicted(); }

  // The oldest retained seq whose steady_ms >= steady_ms (binary search): where a window
  // "since now - 15m" starts. nullopt when every retained scan is older. Assumes steady_ms never
  // decreases between pushes (true for CLOCK_MONOTONIC within one boot).
  std::optional<std::uint64_t> first_seq_since(std::int64_t steady_ms) const;

  // The object plus its heap blocks (see heap_bytes.h).
  std::size_t bytes() const;

  // Adds delta_ms to every retained steady_ms (wall times are unchanged). CLOCK_MONOTONIC
  // restarts at boot, so a history reloaded from a snapshot is moved onto the new steady clock
  // this way; the spacing between scans, and so every rate, is kept exactly.
  void shift_steady(std::int64_t delta_ms);

  // Varint format: next seq, count, then the first entry's times and the deltas of the rest
  // (one or two bytes per scan at a steady period).
  void serialize(std::string& out) const;
  // Consumes what serialize() wrote (unchanged on error: kMalformed). Keeps the newest
  // `capacity` entries when the snapshot holds more (the configured retention shrank).
  static Result<TimeIndex> deserialize(std::string_view& in, std::size_t capacity);

 private:
  RingBuffer<Entry> entries_;
  std::uint64_t next_seq_;
};

}  // namespace lw::store
