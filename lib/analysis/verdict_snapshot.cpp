#include "analysis/verdict_snapshot.h"

#include <algorithm>
#include <vector>

#include "store/payload.h"
#include "store/series_records.h"
#include "store/varint.h"

namespace lw::analysis {

namespace {

namespace varint = store::varint;

constexpr std::uint64_t kVerdictFormat = 1;

Error bad(const std::string& what) {
  return malformed("verdict snapshot: " + what);
}

}  // namespace

std::string serialize_verdicts(const VerdictState& state) {
  std::string out;
  varint::put_u64(out, kVerdictFormat);
  // Ascending ids: the same state always gives the same bytes.
  std::vector<const std::pair<const model::ProcessId, ProcessVerdictState>*> procs;
  procs.reserve(state.processes.size());
  for (const auto& kv : state.processes) {
    procs.push_back(&kv);
  }
  std::sort(procs.begin(), procs.end(), [](auto* a, auto* b) { return a->first < b->first; });
  varint::put_u64(out, procs.size());
  for (const auto* kv : procs) {
    const ProcessVerdictState& v = kv->second;
    store::put_process_id(out, kv->first);
    varint::put_bytes(out, v.pattern);
    varint::put_u64(out, v.memory_suspect ? 1 : 0);
    store::put_opt_f64(out, v.memory_suspect_since);
    store::put_opt_f64(out, v.fds_suspect_since);
    store::put_opt_f64(out, v.rate_long);
  }
  varint::put_u64(out, state.cgroups.size());
  for (const auto& [key, v] : state.cgroups) {
    varint::put_bytes(out, key);
    store::put_opt_f64(out, v.suspect_since);
  }
  return out;
}

Status restore_verdicts(VerdictState& state, std::string_view payload,
                        const store::SeriesStore& store) {
  VerdictState restored;
  if (payload.empty()) {
    state = std::move(restored);
    return Ok{};
  }
  store::PayloadReader r(payload);
  if (r.u64() != kVerdictFormat) {
    return bad("unknown version");
  }
  const std::uint64_t nprocs = r.u64();
  if (!r.ok() || nprocs > r.remaining()) {
    return bad("bad process count");
  }
  for (std::uint64_t i = 0; i < nprocs && r.ok(); ++i) {
    const model::ProcessId id = store::read_process_id(r);
    ProcessVerdictState v;
    v.pattern = std::string(r.bytes());
    v.memory_suspect = r.flag();
    v.memory_suspect_since = r.opt_f64();
    v.fds_suspect_since = r.opt_f64();
    v.rate_long = r.opt_f64();
    if (r.ok() && store.find(id) != nullptr) {
      restored.processes[id] = std::move(v);
    }
  }
  const std::uint64_t ncgroups = r.u64();
  if (!r.ok() || ncgroups > r.remaining()) {
    return bad(r.ok() ? "bad cgroup count" : r.error());
  }
  for (std::uint64_t i = 0; i < ncgroups && r.ok(); ++i) {
    std::string key(r.bytes());
    CgroupVerdictState v;
    v.suspect_since = r.opt_f64();
    if (r.ok() && store.cgroups().count(key) != 0) {
      restored.cgroups[std::move(key)] = v;
    }
  }
  if (!r.ok()) {
    return bad(r.error());
  }
  if (!r.at_end()) {
    return bad(std::to_string(r.remaining()) + " bytes after the last entry");
  }
  state = std::move(restored);
  return Ok{};
}

}  // namespace lw::analysis
