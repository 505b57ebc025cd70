#pragma once

// The History on disk (SPEC "History (the store)": it survives a restart). serialize_history()
// writes the whole history — the scan index, every process entry (identity, labels, the latest
// sample, the latest smaps_rollup reading, the series, alive/dead, the verdict state carried
// between scans), every cgroup entry and the host series — as a varint payload (store/varint.h)
// sealed in store::seal_snapshot's container under kHistoryFormatVersion. restore_history() reads
// it back into a History, all or nothing.
//
// Payload, format 1 (every integer a LEB128 varint, signed ones zigzag; "opt" is a 0/1 tag and,
// when 1, the value; a double is its IEEE-754 bits as a u64; "bytes" is a length and the bytes):
//   bytes boot_id                the writer's /proc/sys/kernel/random/boot_id ("" = unknown)
//   TimeIndex::serialize         next seq, count, steady/wall deltas
//   CompressedSeries<2>          the host series
//   u64 process count, then per process (ascending (pid, starttime)):
//     i64 pid, u64 starttime, bytes comm, group, cgroup, unit, pattern,
//     u64 flags (1 included, 2 smaps_forced, 4 alive, 8 memory_suspect),
//     u64 first_seq, last_seen_seq, i64 died_steady_ms,
//     opt f64 memory_suspect_since, fds_suspect_since, rate_long,
//     the latest sample: i64 ppid, u64 state, bytes comm, opt uid, u64 cpu_ticks,
//       f64 start_time_seconds, opt rss, anon, file, shmem, swap, vsize, open_fds, max_fds,
//       bytes cgroup, bytes unit   (its smaps is not kept: it means "read in this scan")
//     opt smaps_rollup: 10 x opt u64 (SmapsRollup field order), then i64 smaps_wall_ms
//     CompressedSeries<5>
//   u64 cgroup count, then per cgroup (map order):
//     bytes key, bytes path, unit, u64 inode, u64 version (0 v1, 1 v2), 15 x opt u64 (CgroupSample
//     field order), opt pressure (opt some, opt full: f64 avg10, avg60, avg300, u64 total_us),
//     u64 processes, CompressedSeries<3>, u64 last_seen_seq, u64 present, opt f64 suspect_since
// and nothing after it.
//
// Clocks. steady_ms (CLOCK_MONOTONIC) restarts at every boot, so restore moves every stored steady
// time onto the current steady clock: the newest scan lands at now_steady_ms minus the wall time
// that passed since it (never in the future, even if the wall clock went back), and every other
// steady time keeps its distance to it, so rates and windows are unchanged. Wall times are kept.

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "analysis/history.h"
#include "base/result.h"
#include "scan/snapshot.h"

namespace lw::analysis {

// Bump on any change of the payload layout above: an older or newer file is then discarded
// (one warning) instead of being misread.
inline constexpr std::uint32_t kHistoryFormatVersion = 1;

// Whether a process (pid, starttime) still exists now.
using StillRunning = std::function<bool(const scan::ProcessId&)>;

// The snapshot file's bytes (container header + payload), ready for
// store::write_file_atomically(). boot_id identifies the boot the history was taken in; pass
// "" when unknown.
std::string serialize_history(const History& history, std::string_view boot_id = {});

// Replaces `history` with the one in `file_bytes` (what serialize_history() returned). Entries
// are kept as the snapshot had them except:
// - a process that was alive is still alive only when still_running(id) says so, and (when both
//   boot ids are known) the boot is the same; otherwise it is dead, having died at the snapshot's
//   time, so it stays for dead_grace as post-mortem history. Entries already dead longer than
//   dead_grace are dropped, as the next ingest() would;
// - steady times are rebased (see above); samples older than the index's capacity (a shorter
//   retention) are dropped; labels are re-sanitised to the current max_label_bytes.
// Running processes continue their series: the next ingest() appends with a seq after every
// restored one. Returns kMalformed (bad magic, foreign version, truncation, CRC mismatch, or a
// payload that does not decode) and leaves `history` untouched; never throws on bad input.
Status restore_history(History& history, std::string_view file_bytes, std::int64_t now_steady_ms,
                       std::int64_t now_wall_ms, const StillRunning& still_running,
                       std::string_view boot_id = {});

}  // namespace lw::analysis
