#pragma once

// One process's or one cgroup's series in a history snapshot (series_snapshot.h): the payload
// writers and readers for their records. Internal to the snapshot; apart so each file reads as one
// thing. A reader that meets a malformed record leaves `r` failed; the caller checks it.

#include <cstdint>
#include <string>

#include "store/payload.h"
#include "store/series_store.h"

namespace lw::store {

// Deltas and shifts use wrapping arithmetic: a corrupt (but CRC-valid) file must not be UB.
inline std::int64_t wrapping_add(std::int64_t a, std::int64_t b) {
  return static_cast<std::int64_t>(static_cast<std::uint64_t>(a) + static_cast<std::uint64_t>(b));
}
inline std::int64_t wrapping_sub(std::int64_t a, std::int64_t b) {
  return static_cast<std::int64_t>(static_cast<std::uint64_t>(a) - static_cast<std::uint64_t>(b));
}

// A process id: pid (zigzag varint) then start ticks. A pid outside 1..INT32_MAX fails `r`.
void put_process_id(std::string& out, const model::ProcessId& id);
model::ProcessId read_process_id(PayloadReader& r);

void put_process(std::string& out, const ProcessSeries& e);
void put_cgroup(std::string& out, const std::string& key, const CgroupSeries& e);
ProcessSeries read_process(PayloadReader& r, const SeriesStoreOptions& options);
CgroupSeries read_cgroup(PayloadReader& r, const SeriesStoreOptions& options);

}  // namespace lw::store
