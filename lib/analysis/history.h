#pragma once

// The history of every process, memory cgroup and the host, in the compressed store. Only the
// scanner thread touches it (no locks). A process is (pid, starttime): PID reuse starts a new
// entry. An entry whose process has exited stays (dead) for `dead_grace`, so an OOM victim's
// last hours are still there for the post-mortem. Values are stored in KiB (the unit /proc
// prints), so an unchanged sample costs one byte.

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "analysis/rules.h"
#include "scan/snapshot.h"
#include "store/compressed_series.h"
#include "store/time_index.h"

namespace lw::analysis {

struct ProcessIdHash {
  std::size_t operator()(const scan::ProcessId& id) const noexcept {
    return std::hash<std::uint64_t>{}((static_cast<std::uint64_t>(id.pid) << 40) ^ id.start_ticks);
  }
};

// Channels of a process series.
enum ProcessChannel : std::size_t {
  kPrivateKib = 0,  // RssAnon + VmSwap: the leak-relevant memory
  kRssKib = 1,
  kFds = 2,
  kPssKib = 3,  // present only in scans that read smaps_rollup
  kFileKib = 4,
};
inline constexpr std::size_t kProcessChannels = 5;

// Channels of a cgroup series.
enum CgroupChannel : std::size_t { kUsageKib = 0, kWorkingSetKib = 1, kAnonKib = 2 };
inline constexpr std::size_t kCgroupChannels = 3;

// Channels of the host series.
enum SystemChannel : std::size_t { kAvailableKib = 0, kSwapUsedKib = 1 };
inline constexpr std::size_t kSystemChannels = 2;

struct ProcessEntry {
  explicit ProcessEntry(std::uint32_t chunk_samples) : series(chunk_samples) {}
  scan::ProcessId id;
  std::string comm;    // sanitised for labels and HTML
  std::string group;   // sanitised
  std::string cgroup;  // sanitised
  std::string unit;
  bool included = false;      // include rules: always tracked
  bool smaps_forced = false;  // smaps read even above max_rss
  scan::ProcessSample last;   // the latest sample (smaps only when read in that scan)
  std::optional<procfs::SmapsRollup> smaps;  // the latest smaps_rollup reading, kept across scans
  std::int64_t smaps_wall_ms = 0;
  store::CompressedSeries<kProcessChannels> series;
  std::uint64_t first_seq = 0;
  std::uint64_t last_seen_seq = 0;
  bool alive = true;
  std::int64_t died_steady_ms = 0;
  // Verdict state carried between scans (set by the analysis).
  std::optional<double> memory_suspect_since;  // wall seconds
  std::optional<double> fds_suspect_since;
  bool memory_suspect = false;
  std::string pattern;
  std::optional<double> rate_long;  // private bytes/s over the longest window
};

struct CgroupEntry {
  explicit CgroupEntry(std::uint32_t chunk_samples) : series(chunk_samples) {}
  scan::CgroupSample last;
  store::CompressedSeries<kCgroupChannels> series;
  std::uint64_t last_seen_seq = 0;
  bool present = true;
  std::optional<double> suspect_since;
};

struct HistoryOptions {
  std::chrono::milliseconds interval{10000};
  std::chrono::milliseconds retention{std::chrono::hours(6)};
  std::chrono::milliseconds dead_grace{std::chrono::minutes(15)};
  std::uint32_t max_series = 20000;
  std::uint32_t chunk_samples = 120;
  std::size_t max_label_bytes = 128;
};

// exe and cmdline of a process, when the sampler read them (rules that need them).
using IdentityLookup =
    std::function<std::pair<std::string_view, std::string_view>(const scan::ProcessId&)>;

class History {
 public:
  explicit History(HistoryOptions options);

  // Appends one scan: new processes get an entry (group, include and exclude decided once),
  // known ones a sample; processes missing from the scan are marked dead, and dead entries older
  // than dead_grace are dropped, as are samples older than the retention.
  void ingest(const scan::Snapshot& snap, const ProcessRules& rules,
              const IdentityLookup& identity);

  const store::TimeIndex& times() const { return times_; }
  std::uint64_t current_seq() const { return times_.newest_seq(); }
  std::unordered_map<scan::ProcessId, ProcessEntry, ProcessIdHash>& processes() { return procs_; }
  const std::unordered_map<scan::ProcessId, ProcessEntry, ProcessIdHash>& processes() const {
    return procs_;
  }
  std::map<std::string, CgroupEntry>& cgroups() { return cgroups_; }
  const std::map<std::string, CgroupEntry>& cgroups() const { return cgroups_; }
  const store::CompressedSeries<kSystemChannels>& system() const { return system_; }

  // The first seq at or after steady time `since_ms`; the newest seq + 1 when none.
  std::uint64_t seq_since(std::int64_t since_ms) const;
  // Steady and wall time (ms) of a seq; nullopt when it fell out of the retention.
  std::optional<store::TimeIndex::Entry> time_of(std::uint64_t seq) const { return times_.at(seq); }

  std::size_t bytes() const;
  std::size_t series_count() const { return procs_.size() + cgroups_.size() + 1; }
  std::uint64_t evictions() const { return evictions_; }
  const HistoryOptions& options() const { return options_; }

  static std::int64_t to_ms(scan::SteadyTime t);
  static std::int64_t to_ms(scan::WallTime t);

  // Restore seam (see history_snapshot.h): replaces the scan index and the host series, as read
  // from a snapshot. The caller fills processes() and cgroups() so that every series' seqs lie
  // within `times`; the index's capacity should be times().capacity().
  void restore_index(store::TimeIndex times, store::CompressedSeries<kSystemChannels> system);

 private:
  // Sets labels, group and include/smaps flags from the rules; false when the process is excluded.
  bool apply_rules(ProcessEntry& e, const scan::ProcessSample& p, const ProcessRules& rules,
                   const IdentityLookup& identity) const;
  void add_process(const scan::ProcessSample& p, std::uint64_t seq, const ProcessRules& rules,
                   const IdentityLookup& identity);
  bool make_room();

  HistoryOptions options_;
  store::TimeIndex times_;
  std::unordered_map<scan::ProcessId, ProcessEntry, ProcessIdHash> procs_;
  std::unordered_map<scan::ProcessId, std::uint64_t, ProcessIdHash> excluded_;  // id -> last seq
  std::map<std::string, CgroupEntry> cgroups_;  // key: path + '\0' + inode
  store::CompressedSeries<kSystemChannels> system_;
  std::uint64_t evictions_ = 0;
};

// Bytes -> KiB for storage (rounded down: /proc values are whole KiB already).
inline std::optional<std::uint64_t> to_kib(std::optional<std::uint64_t> bytes) {
  if (!bytes) {
    return std::nullopt;
  }
  return *bytes / 1024;
}

}  // namespace lw::analysis
