#pragma once

// SeriesStore: the history of every process, memory cgroup and the host, in compressed series
// (compressed_series.h). Only the scanner thread touches it (no locks). A process is
// (pid, starttime): PID reuse starts a new series. A series whose process has exited stays (dead)
// for `dead_grace`, so an OOM victim's last hours are still there for the post-mortem. Values are
// bytes (and FD counts), as the samplers produce them: the codec's per-chunk scale makes an
// unchanged sample one byte and a page-sized change one byte, so no unit conversion is needed.
//
// The store keeps data only. Which processes are kept and how they are labelled is the caller's
// policy (a Labeler, built from the config's rules in analysis); verdicts and other analysis state
// live in analysis, keyed by the same identities.

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "base/boxed.h"
#include "model/snapshot.h"
#include "store/compressed_series.h"
#include "store/time_index.h"

namespace lw::store {

// Channels of a process series.
enum ProcessChannel : std::size_t {
  kPrivateBytes = 0,  // RssAnon + VmSwap: the leak-relevant memory
  kRssBytes = 1,
  kFds = 2,
  kPssBytes = 3,  // present only in scans that read smaps_rollup
  kFileBytes = 4,
};
inline constexpr std::size_t kProcessChannels = 5;

// Channels of a cgroup series.
// kUnreclaimableBytes: CgroupSample::unreclaimable_bytes(), what headroom and its rate are of.
enum CgroupChannel : std::size_t { kUsageBytes = 0, kUnreclaimableBytes = 1, kCgroupAnonBytes = 2 };
inline constexpr std::size_t kCgroupChannels = 3;

// Channels of the host series.
enum SystemChannel : std::size_t { kAvailableBytes = 0, kSwapUsedBytes = 1 };
inline constexpr std::size_t kSystemChannels = 2;

// How a process is labelled and treated, decided by the caller's rules when the process is first
// seen and again when it renames itself (exec, prctl). nullopt from the Labeler = excluded.
struct ProcessLabels {
  std::string comm;    // sanitised for labels and HTML
  std::string group;   // sanitised
  std::string cgroup;  // sanitised
  std::string unit;
  bool included = false;      // include rules: always tracked
  bool smaps_forced = false;  // smaps read even above max_rss
};
using Labeler = std::function<std::optional<ProcessLabels>(const model::ProcessSample&)>;

struct ProcessSeries {
  explicit ProcessSeries(std::uint32_t chunk_samples) : series(chunk_samples) {}
  model::ProcessId id;
  ProcessLabels labels;
  model::ProcessSample last;         // the latest sample (smaps only when read in that scan)
  Boxed<procfs::SmapsRollup> smaps;  // the latest smaps_rollup reading, kept across scans
  std::int64_t smaps_wall_ms = 0;
  std::int64_t smaps_steady_ms = 0;  // when `smaps` was read (steady clock): its age
  CompressedSeries<kProcessChannels> series;
  std::uint64_t first_seq = 0;
  std::uint64_t last_seen_seq = 0;
  bool alive = true;
  std::int64_t died_steady_ms = 0;
  // The smallest private bytes seen (not persisted): growth since then makes a series valuable.
  std::uint64_t min_private_bytes = UINT64_MAX;
};

struct CgroupSeries {
  explicit CgroupSeries(std::uint32_t chunk_samples) : series(chunk_samples) {}
  model::CgroupSample last;
  CompressedSeries<kCgroupChannels> series;
  std::uint64_t last_seen_seq = 0;
  bool present = true;
};

struct SeriesStoreOptions {
  std::chrono::milliseconds interval{10000};
  std::chrono::milliseconds retention{std::chrono::hours(6)};
  std::chrono::milliseconds dead_grace{std::chrono::minutes(15)};
  std::uint32_t max_series = 20000;
  std::uint32_t chunk_samples = 120;
  std::size_t max_label_bytes = 128;
};

// Why the store made room for a new series (leakwatch_store_evictions_total{reason}).
struct EvictionCounts {
  std::uint64_t exited = 0;   // an exited process's series, the longest dead first
  std::uint64_t idle = 0;     // a live, unprotected process's series: small and flat first
  std::uint64_t refused = 0;  // a new series not admitted: every held series was protected
  std::uint64_t total() const { return exited + idle + refused; }
};

using ProcessMap = std::unordered_map<model::ProcessId, ProcessSeries, model::ProcessIdHash>;
using CgroupMap = std::map<std::string, CgroupSeries>;  // key: cgroup_key(path, inode)

// The map key of a cgroup: path + '\0' + inode (a re-created cgroup is a new series).
std::string cgroup_key(const model::CgroupSample& c);

class SeriesStore {
 public:
  explicit SeriesStore(SeriesStoreOptions options);

  // Appends one scan: new processes get a series (labelled once by `labeler`; excluded ones are
  // remembered, not stored), known ones a sample; processes missing from the scan are marked
  // dead, and dead series older than dead_grace are dropped, as are samples older than the
  // retention.
  void append(const model::Snapshot& snap, const Labeler& labeler);

  const TimeIndex& times() const { return times_; }
  std::uint64_t current_seq() const { return times_.newest_seq(); }
  const ProcessMap& processes() const { return procs_; }
  const CgroupMap& cgroups() const { return cgroups_; }
  const CompressedSeries<kSystemChannels>& system() const { return system_; }
  const ProcessSeries* find(const model::ProcessId& id) const;

  // The first seq at or after steady time `since_ms`; the newest seq + 1 when none.
  std::uint64_t seq_since(std::int64_t since_ms) const;
  // Steady and wall time (ms) of a seq; nullopt when it fell out of the retention.
  std::optional<TimeIndex::Entry> time_of(std::uint64_t seq) const { return times_.at(seq); }

  std::size_t bytes() const;
  std::size_t series_count() const { return procs_.size() + cgroups_.size() + 1; }
  std::uint64_t evictions() const { return evictions_.total(); }
  const EvictionCounts& eviction_counts() const { return evictions_; }
  const SeriesStoreOptions& options() const { return options_; }

  // Applies reloaded options: retention (the time index keeps the newest scans that fit),
  // interval, dead_grace and max_series apply from the next append(); the chunk size is kept
  // (it shapes the stored chunks).
  void set_options(const SeriesStoreOptions& options);

  // The processes whose series are never evicted to make room (the caller's suspects, top-K and
  // other tracked processes; the store sits below analysis and cannot judge). Series labelled
  // `included` are protected too. Replaces the previous set; a changed set lets processes
  // refused earlier try again.
  void set_protected(std::vector<model::ProcessId> ids);

  static std::int64_t to_ms(model::SteadyTime t);
  static std::int64_t to_ms(model::WallTime t);

  // Restore seam (series_snapshot.h): replaces the whole store with what a snapshot held. Every
  // series' seqs must lie within `times`, whose capacity should be times().capacity().
  void restore(TimeIndex times, CompressedSeries<kSystemChannels> system, ProcessMap processes,
               CgroupMap cgroups);

 private:
  void add_process(const model::ProcessSample& p, std::uint64_t seq, const Labeler& labeler);
  // Labels s again from p (a new comm or identity); false when the rules now exclude it.
  bool relabel(ProcessSeries& s, const model::ProcessSample& p, std::uint64_t seq,
               const Labeler& labeler);
  void append_processes(const model::Snapshot& snap, std::uint64_t seq, const Labeler& labeler);
  void expire_processes(std::uint64_t seq, std::int64_t now_ms);
  void append_cgroups(const model::Snapshot& snap, std::uint64_t seq, std::int64_t now_ms);
  void append_system(const model::Snapshot& snap, std::uint64_t seq);
  // At max_series: evicts the least valuable unprotected process series (exited ones first,
  // then live ones small and flat). False (counted as refused) when every series is protected.
  bool make_room(bool count_refusal);
  void collect_victims();
  bool is_protected(const ProcessSeries& s) const;

  SeriesStoreOptions options_;
  TimeIndex times_;
  ProcessMap procs_;
  // Excluded processes: the seq they were last seen at and the identity_version they were judged
  // by; a new identity (an exec, a move to another cgroup) is judged again.
  struct Excluded {
    std::uint64_t seq = 0;
    std::uint32_t identity_version = 0;
  };
  std::unordered_map<model::ProcessId, Excluded, model::ProcessIdHash> excluded_;
  CgroupMap cgroups_;
  CompressedSeries<kSystemChannels> system_;
  EvictionCounts evictions_;
  std::unordered_set<model::ProcessId, model::ProcessIdHash> protected_;
  // Processes without a series at the cap: refused (all protected) or displaced (evicted while
  // alive), with the seq they were last seen. Not retried while the store stays full (a refused
  // one also when the protected set changed), so a full store costs nothing per scan.
  struct Refusal {
    std::uint64_t seq = 0;
    bool displaced = false;
  };
  std::unordered_map<model::ProcessId, Refusal, model::ProcessIdHash> refused_;
  bool retry_refused_ = false;
  std::size_t exited_evictable_ = 0;       // unprotected exited series after the last append
  std::set<std::string> refused_cgroups_;  // cgroup keys refused (counted once each)
  // Eviction candidates of this append, least valuable last (built once per append when needed).
  std::vector<model::ProcessId> victims_;
  bool victims_built_ = false;
};

}  // namespace lw::store
