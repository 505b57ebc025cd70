#include "store/series_snapshot.h"

#include <algorithm>
#include <unordered_map>
#include <utility>
#include <vector>

#include "store/payload.h"
#include "store/series_records.h"
#include "store/snapshot_file.h"
#include "store/varint.h"

namespace lw::store {

namespace {

// A series must not hold a seq the index has not assigned yet: the next append would be refused.
template <std::size_t N>
bool series_within(const CompressedSeries<N>& s, const TimeIndex& times) {
  const auto last = s.last_seq();
  return !last || *last <= times.newest_seq();
}

// An id from the file, fit for a log line: printable ASCII only, at most 64 characters.
std::string printable_id(std::string_view id) {
  std::string out;
  for (const char c : id.substr(0, 64)) {
    out.push_back(c > ' ' && c < 0x7f ? c : '?');
  }
  return out;
}

Error bad(const std::string& what) {
  return malformed("history snapshot: " + what);
}

}  // namespace

void stream_store_payload(const SeriesStore& history, std::string_view boot_id,
                          std::string_view annotations, std::string_view machine_id,
                          const PayloadSink& sink) {
  std::string out;
  out.reserve(2 * kPayloadPieceBytes);
  const auto flush_if_full = [&] {
    if (out.size() >= kPayloadPieceBytes) {
      sink(out);
      out.clear();
    }
  };
  varint::put_bytes(out, boot_id);
  varint::put_bytes(out, machine_id);
  history.times().serialize(out);
  history.system().serialize(out);
  flush_if_full();

  // Ascending ids: the same history always gives the same bytes, whatever the hash map's order.
  std::vector<const ProcessSeries*> procs;
  procs.reserve(history.processes().size());
  for (const auto& [id, e] : history.processes()) {
    procs.push_back(&e);
  }
  std::sort(procs.begin(), procs.end(),
            [](const ProcessSeries* a, const ProcessSeries* b) { return a->id < b->id; });
  varint::put_u64(out, procs.size());
  for (const ProcessSeries* e : procs) {
    put_process(out, *e);
    flush_if_full();
  }

  varint::put_u64(out, history.cgroups().size());
  for (const auto& [key, e] : history.cgroups()) {
    put_cgroup(out, key, e);
    flush_if_full();
  }
  varint::put_u64(out, annotations.size());
  sink(out);
  sink(annotations);
}

std::string serialize_store(const SeriesStore& history, std::string_view boot_id,
                            std::string_view annotations, std::string_view machine_id) {
  std::string out(kSnapshotHeaderBytes, '\0');
  stream_store_payload(history, boot_id, annotations, machine_id,
                       [&](std::string_view piece) { out.append(piece); });
  seal_snapshot_in_place(kStoreFormatVersion, out);
  return out;
}

Result<std::uint64_t> save_store(const std::string& path, const SeriesStore& history,
                                 std::string_view boot_id, std::string_view annotations,
                                 std::string_view machine_id) {
  auto writer = SnapshotFileWriter::create(path);
  if (!writer) {
    return writer.error();
  }
  stream_store_payload(history, boot_id, annotations, machine_id,
                       [&](std::string_view piece) { writer->append(piece); });
  return writer->commit(kStoreFormatVersion);
}

Status restore_store(SeriesStore& history, std::string_view file_bytes, std::int64_t now_steady_ms,
                     std::int64_t now_wall_ms, const StillRunning& still_running,
                     std::string_view boot_id, std::string* annotations,
                     std::string_view machine_id) {
  const auto payload = open_snapshot(file_bytes, kStoreFormatVersion);
  if (!payload) {
    return payload.error();
  }
  const SeriesStoreOptions& options = history.options();
  PayloadReader r(*payload);
  const std::string stored_boot(r.bytes());
  const std::string stored_machine(r.bytes());
  if (r.ok() && !stored_machine.empty() && !machine_id.empty() && stored_machine != machine_id) {
    return bad(std::string(kForeignMachineDetail) + " (machine id " + printable_id(stored_machine) +
               ", this machine " + printable_id(machine_id) + "), never merged");
  }
  TimeIndex times = r.time_index(history.times().capacity());
  auto system = r.series<kSystemChannels>();
  if (!r.ok()) {
    return bad(r.error());
  }

  ProcessMap procs;
  const std::uint64_t nprocs = r.u64();
  if (!r.ok()) {
    return bad("process count: " + r.error());
  }
  if (nprocs > r.remaining()) {  // every entry takes many bytes: this bounds the loop on garbage
    return bad("bad process count");
  }
  procs.reserve(static_cast<std::size_t>(nprocs));
  for (std::uint64_t i = 0; i < nprocs; ++i) {
    ProcessSeries e = read_process(r, options);
    if (!r.ok()) {
      return bad("process " + std::to_string(i) + ": " + r.error());
    }
    if (!series_within(e.series, times) || e.last_seen_seq > times.newest_seq()) {
      return bad("process " + std::to_string(i) + ": seq beyond the time index");
    }
    const model::ProcessId id = e.id;
    if (!procs.emplace(id, std::move(e)).second) {
      return bad("duplicate process " + std::to_string(id.pid));
    }
  }

  CgroupMap cgroups;
  const std::uint64_t ncgroups = r.u64();
  if (!r.ok()) {
    return bad("cgroup count: " + r.error());
  }
  if (ncgroups > r.remaining()) {
    return bad("bad cgroup count");
  }
  for (std::uint64_t i = 0; i < ncgroups; ++i) {
    std::string key(r.bytes());
    CgroupSeries e = read_cgroup(r, options);
    if (!r.ok()) {
      return bad("cgroup " + std::to_string(i) + ": " + r.error());
    }
    if (!series_within(e.series, times) || e.last_seen_seq > times.newest_seq()) {
      return bad("cgroup " + std::to_string(i) + ": seq beyond the time index");
    }
    if (!cgroups.emplace(std::move(key), std::move(e)).second) {
      return bad("duplicate cgroup " + std::to_string(i));
    }
  }
  const std::string_view stored_annotations = r.bytes();
  if (!r.ok()) {
    return bad("annotations: " + r.error());
  }
  if (!r.at_end()) {
    return bad(std::to_string(r.remaining()) + " bytes after the last entry");
  }
  if (!series_within(system, times)) {
    return bad("host series: seq beyond the time index");
  }

  // Everything decoded: from here on nothing fails. Move the steady clock first.
  std::int64_t delta = 0;
  std::int64_t snapshot_steady = now_steady_ms;
  if (!times.empty()) {
    const TimeIndex::Entry newest = *times.at(times.newest_seq());
    const std::int64_t elapsed =
        std::max<std::int64_t>(0, wrapping_sub(now_wall_ms, newest.wall_ms));
    snapshot_steady = wrapping_sub(now_steady_ms, elapsed);
    delta = wrapping_sub(snapshot_steady, newest.steady_ms);
    times.shift_steady(delta);
  }
  const bool same_boot = stored_boot.empty() || boot_id.empty() || stored_boot == boot_id;
  const std::uint64_t oldest = times.oldest_seq();
  const std::int64_t grace_ms = options.dead_grace.count();
  for (auto it = procs.begin(); it != procs.end();) {
    ProcessSeries& e = it->second;
    if (!e.alive) {
      e.died_steady_ms = wrapping_add(e.died_steady_ms, delta);
    } else if (!same_boot || !still_running || !still_running(e.id)) {
      e.alive = false;
      e.died_steady_ms = snapshot_steady;
    }
    if (!e.alive && wrapping_sub(now_steady_ms, e.died_steady_ms) > grace_ms) {
      it = procs.erase(it);
      continue;
    }
    e.series.drop_before(oldest);
    ++it;
  }
  for (auto& [key, e] : cgroups) {
    e.series.drop_before(oldest);
  }
  system.drop_before(oldest);

  SeriesStore restored(options);
  restored.restore(std::move(times), std::move(system), std::move(procs), std::move(cgroups));
  history = std::move(restored);
  if (annotations != nullptr) {
    *annotations = std::string(stored_annotations);
  }
  return Ok{};
}

}  // namespace lw::store
