#pragma once

// The SeriesStore on disk (SPEC "History (the store)": it survives a restart). serialize_store()
// writes the whole store — the scan index, every process series (identity, labels, the latest
// sample, the latest smaps_rollup reading, the series, alive/dead), every cgroup series and the
// host series — plus an opaque `annotations` section that the caller owns (the daemon puts the
// analysis's verdict state there, see analysis/verdict_snapshot.h), as a varint payload
// (store/varint.h) sealed in seal_snapshot's container under kStoreFormatVersion.
// restore_store() reads it back, all or nothing. Values are bytes (format 1 stored KiB and the
// verdict state inline; a format-1 file is discarded with one warning, like any foreign version).
//
// Payload, format 4 (every integer a LEB128 varint, signed ones zigzag; "opt" is a 0/1 tag and,
// when 1, the value; a double is its IEEE-754 bits as a u64; "bytes" is a length and the bytes):
//   bytes boot_id                the writer's /proc/sys/kernel/random/boot_id ("" = unknown)
//   bytes machine_id             the writer's /etc/machine-id ("" = unknown)
//   TimeIndex::serialize         next seq, count, steady/wall deltas
//   CompressedSeries<2>          the host series
//   u64 process count, then per process (ascending (pid, starttime)):
//     i64 pid, u64 starttime, bytes comm, group, cgroup, unit,
//     u64 flags (1 included, 2 smaps_forced, 4 alive),
//     u64 first_seq, last_seen_seq, i64 died_steady_ms,
//     the latest sample: i64 ppid, u64 state, bytes comm, opt uid, u64 cpu_ticks,
//       f64 start_time_seconds, opt rss, anon, file, shmem, swap, vsize, open_fds, max_fds,
//       bytes cgroup, bytes unit   (its smaps is not kept: it means "read in this scan")
//     opt smaps_rollup: 10 x opt u64 (SmapsRollup field order), then i64 smaps_wall_ms
//     CompressedSeries<5>
//   u64 cgroup count, then per cgroup (map order):
//     bytes key, bytes path, unit, u64 inode, u64 version (0 v1, 1 v2), 19 x opt u64 (CgroupSample
//     field order, see cgroup_fields()), opt pressure (opt some, opt full: f64 avg10, avg60,
//     avg300, u64 total_us), u64 processes, CompressedSeries<3>, u64 last_seen_seq, u64 present
//   bytes annotations
// and nothing after it.
//
// Clocks. steady_ms (CLOCK_MONOTONIC) restarts at every boot, so restore moves every stored steady
// time onto the current steady clock: the newest scan lands at now_steady_ms minus the wall time
// that passed since it (never in the future, even if the wall clock went back), and every other
// steady time keeps its distance to it, so rates and windows are unchanged. Wall times are kept.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "base/result.h"
#include "model/snapshot.h"
#include "store/series_store.h"

namespace lw::store {

// Bump on any change of the payload layout above: an older or newer file is then discarded
// (one warning) instead of being misread.
// Format 3: the cgroup series' channel 1 holds unreclaimable bytes (was the working set) and the
// cgroup sample has four more fields (the headroom terms). Format 4: the writer's machine id.
inline constexpr std::uint32_t kStoreFormatVersion = 4;

// Whether a process (pid, starttime) still exists now.
using StillRunning = std::function<bool(const model::ProcessId&)>;

// Where the payload goes, in order, in pieces of about kPayloadPieceBytes (the last ones may be
// smaller; the annotations are one piece of their own).
using PayloadSink = std::function<void(std::string_view)>;
inline constexpr std::size_t kPayloadPieceBytes = std::size_t{256} * 1024;

// The payload of the store (the layout above). boot_id identifies the boot the store was taken in
// and machine_id the machine ("" when unknown); `annotations` is stored as given and handed back by
// restore_store().
void stream_store_payload(const SeriesStore& store, std::string_view boot_id,
                          std::string_view annotations, std::string_view machine_id,
                          const PayloadSink& sink);

// The snapshot file's bytes (container header + payload), whole in memory: for tests and tools.
std::string serialize_store(const SeriesStore& store, std::string_view boot_id = {},
                            std::string_view annotations = {}, std::string_view machine_id = {});

// The same bytes written to `path` atomically (SnapshotFileWriter): never whole in memory, so
// saving costs one piece of memory, not the store's size again. The file's size on success;
// AtomicFile's errors.
Result<std::uint64_t> save_store(const std::string& path, const SeriesStore& store,
                                 std::string_view boot_id, std::string_view annotations,
                                 std::string_view machine_id);

// Replaces `store` with the one in `file_bytes` (what serialize_store() returned). Series are
// kept as the snapshot had them except:
// - a process that was alive is still alive only when still_running(id) says so, and (when both
//   boot ids are known) the boot is the same; otherwise it is dead, having died at the snapshot's
//   time, so it stays for dead_grace as post-mortem history. Series already dead longer than
//   dead_grace are dropped, as the next append() would;
// - steady times are rebased (see above); samples older than the index's capacity (a shorter
//   retention) are dropped; labels are re-sanitised to the current max_label_bytes.
// Running processes continue their series: the next append() gets a seq after every restored
// one. The annotations section goes to *annotations when given. Returns kMalformed (bad magic,
// foreign version, truncation, CRC mismatch, or a payload that does not decode) and leaves
// `store` untouched; never throws on bad input. A snapshot written on another machine (both
// machine ids known and different) is kMalformed too, with kForeignMachineDetail in its detail:
// another host's processes and cgroups are never merged into this one's history.
inline constexpr std::string_view kForeignMachineDetail = "written on another machine";
Status restore_store(SeriesStore& store, std::string_view file_bytes, std::int64_t now_steady_ms,
                     std::int64_t now_wall_ms, const StillRunning& still_running,
                     std::string_view boot_id = {}, std::string* annotations = nullptr,
                     std::string_view machine_id = {});

}  // namespace lw::store
