#pragma once

// The analysis's verdict state on disk, as the annotations section of the store's snapshot
// (store/series_snapshot.h), so a restart keeps when each suspect was first flagged.
//
// Payload (varints as in store/varint.h; "opt" is a 0/1 tag and the value):
//   u64 version (1)
//   u64 process count, then per process: i64 pid, u64 starttime, bytes pattern,
//     u64 memory_suspect (0/1), opt f64 memory_suspect_since, fds_suspect_since, rate_long
//   u64 cgroup count, then per cgroup: bytes key, opt f64 suspect_since
// and nothing after it.

#include <string>
#include <string_view>

#include "analysis/verdict_state.h"
#include "base/result.h"
#include "store/series_store.h"

namespace lw::analysis {

std::string serialize_verdicts(const VerdictState& state);

// Replaces `state` with the payload's, keeping only the identities `store` holds. An empty
// payload (a snapshot without verdicts) gives an empty state. kMalformed on bad input, and then
// `state` is untouched.
Status restore_verdicts(VerdictState& state, std::string_view payload,
                        const store::SeriesStore& store);

}  // namespace lw::analysis
