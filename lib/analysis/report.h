#pragma once

// The immutable Report: everything /metrics, the status page and the JSON API show, built by the
// scanner thread after each scan and published through ReportBoard. HTTP threads only read it:
// no /proc I/O and no analysis at scrape time.

#include <array>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "base/boxed.h"
#include "model/snapshot.h"

namespace lw::analysis {

// Growth pattern names as exported in leakwatch_process_growth_pattern{pattern}.
inline constexpr std::array<const char*, 7> kPatternNames = {"flat",  "warmup",  "sawtooth", "step",
                                                             "noisy", "growing", "leak"};

struct WindowRate {
  std::string window;                      // "15m", "1h", "6h" (config text)
  std::optional<double> bytes_per_second;  // leak-relevant memory (anon + swap)
  std::optional<double> fds_per_second;
};

// A series' rates, one per analysis window: computed by a full analysis and then shared,
// immutable, by the analysis cache and every report until the next one. A scan that reuses the
// analysis (most processes, most scans) copies a pointer instead of a vector of strings. Reads as
// a const vector; assigned whole.
class WindowRates {
 public:
  WindowRates() = default;
  WindowRates(std::vector<WindowRate> rates)  // NOLINT(google-explicit-constructor): as a vector
      : rates_(rates.empty() ? nullptr
                             : std::make_shared<const std::vector<WindowRate>>(std::move(rates))) {}
  WindowRates(std::initializer_list<WindowRate> rates)
      : WindowRates(std::vector<WindowRate>(rates)) {}

  std::size_t size() const { return rates_ ? rates_->size() : 0; }
  bool empty() const { return size() == 0; }
  const WindowRate* begin() const { return rates_ ? rates_->data() : nullptr; }
  const WindowRate* end() const { return begin() + size(); }
  const WindowRate& operator[](std::size_t i) const { return (*rates_)[i]; }
  const WindowRate& back() const { return rates_->back(); }
  operator std::span<const WindowRate>() const {  // NOLINT(google-explicit-constructor)
    return {begin(), size()};
  }

 private:
  std::shared_ptr<const std::vector<WindowRate>> rates_;
};

// The terms of a memory headroom (README "Headroom"), for the page and the JSON: the cgroup whose
// limit is tightest, that limit, and what its unreclaimable memory is made of. Bytes.
//   unreclaimable = charged - active_file - inactive_file - slab_reclaimable + dirty + writeback
//                   + swap_used                       (file terms capped at the file lists' size)
//   headroom      = limit - (unreclaimable - swap_used) + swap_room
struct HeadroomTerms {
  std::string cgroup;               // sanitised path of the cgroup whose limit binds
  std::string limit_kind;           // "cgroup" (memory.max, v1 limit) or "cgroup_high"
  std::uint64_t limit_bytes = 0;    // that limit
  std::uint64_t charged_bytes = 0;  // v2 memory.current; v1 total_rss + total_cache
  std::optional<std::uint64_t> active_file_bytes, inactive_file_bytes, slab_reclaimable_bytes,
      dirty_bytes, writeback_bytes, swap_used_bytes;  // absent: the kernel did not print it
  std::uint64_t unreclaimable_bytes = 0;
  std::optional<std::uint64_t> swap_room_bytes;  // swap the cgroup may still fill; absent: none
  double headroom_bytes = 0;                     // never negative
};

// Why a verdict is what it is (classify.h): the trends it saw and the terms of its score, for the
// per-process page. Absent when the verdict came from no full classification (too few samples, or
// nothing moved over the longest window).
struct VerdictEvidence {
  std::optional<double> rate_per_second = std::nullopt;        // trend of the bucket medians
  std::optional<double> floor_rate_per_second = std::nullopt;  // trend of the floor
  double observed_seconds = 0;                                 // span of the samples judged
  double consistency = 0;    // c: share of floor groups that did not fall
  double persistence = 0;    // p: last-quarter growth / whole growth
  double margin = 0;         // m: growth in multiples of the thresholds
  bool halved = false;       // score halved: neither leak nor growing
  bool from_regime = false;  // judged over the current regime rather than the whole window
};

struct ResourceVerdict {
  std::string pattern = "flat";  // one of kPatternNames; "" when not judged yet
  double score = 0;              // 0..1
  bool suspect = false;
  std::optional<double> seconds_to_limit;
  // "cgroup", "cgroup_high", "system" (memory) or "nofile" (fds)
  std::string limit_kind;
  std::optional<double> suspect_since_seconds;  // wall time it was first flagged (this episode)
  // When the series' current regime began (wall seconds) and what began it ("onset", "stop",
  // "jump"; see regime.h); unset when the whole window is one regime.
  std::optional<double> regime_since_seconds;
  std::string regime_change;
  // Memory with a cgroup limit: how it was computed. Boxed: 200 bytes that most of the 2 x 2,000
  // verdicts of a report (and of the analysis cache) leave empty.
  Boxed<HeadroomTerms> headroom;
  std::optional<VerdictEvidence> evidence = std::nullopt;
};

// A compact history for sparklines and the JSON API: wall time (s) and value.
struct HistoryPoint {
  double t = 0;
  double v = 0;
};

// A tracked process's series over the longest window for its page, each downsampled to
// AnalysisOptions::chart_points. PSS has points only where smaps_rollup was read.
struct ProcessCharts {
  std::vector<HistoryPoint> private_bytes, rss_bytes, pss_bytes, fds;
};

// The thresholds behind "suspect" (classify.h), for explaining a verdict.
struct SuspectRule {
  double suspect_score = 0;
  double min_observed_seconds = 0;
  double warmup_grace_seconds = 0;
  double min_growth_per_hour = 0;  // bytes (memory) or FDs per analysis hour
  double min_growth_ratio_per_hour = 0;
  double hour_seconds = 3600;  // the analysis "hour" (shorter when time is compressed)
};

struct ProcessReport {
  model::ProcessId id;
  std::string comm;    // sanitised UTF-8, length-capped
  std::string group;   // sanitised
  std::string cgroup;  // sanitised
  std::string unit;    // systemd unit from the cgroup path, "" when none
  std::int32_t ppid = 0;
  std::optional<std::uint32_t> uid;
  double start_time_seconds = 0;
  bool alive = true;
  bool tracked = false;  // exported per process (top-K, include rules, suspects)
  std::optional<std::uint64_t> rss_bytes, anon_bytes, file_bytes, shmem_bytes, swap_bytes,
      vsize_bytes, pss_bytes, uss_bytes, anon_huge_pages_bytes, open_fds, max_fds;
  std::optional<double> pss_sampled_at;  // wall seconds of the last smaps_rollup read
  // Age of the PSS/USS/THP reading, seconds; a reading older than smaps_max_age is dropped (all
  // four fields are then nullopt).
  std::optional<double> smaps_age_seconds;
  WindowRates rates;  // one per analysis window
  ResourceVerdict memory;
  ResourceVerdict fds;
  bool sibling_outlier = false;
  std::vector<HistoryPoint> history;  // private bytes, downsampled; tracked processes only
  // The per-process page's charts; tracked processes only (null otherwise). Shared with the
  // analysis, which recomputes them once per chart point's span (report_builder.cpp).
  std::shared_ptr<const ProcessCharts> charts;

  std::optional<std::uint64_t> private_bytes() const {
    if (!anon_bytes) {
      return std::nullopt;
    }
    return *anon_bytes + swap_bytes.value_or(0);
  }
};

// How an instance of a group ended (analysis/crash_loop.h). kPending: gone, but neither an OOM
// kill nor a replacement is known yet and restart_within has not passed.
enum class DeathCause : std::uint8_t { kPending, kOomKill, kRestarted, kExited };
inline constexpr std::array<const char*, 4> kDeathCauseNames = {"pending", "oom_kill", "restarted",
                                                                "exited"};
inline const char* death_cause_name(DeathCause c) {
  return kDeathCauseNames.at(static_cast<std::size_t>(c));
}

// One ended instance of a group, for the crash-loop evidence.
struct InstanceDeath {
  std::int32_t pid = 0;
  std::string unit;
  std::string cgroup;
  double start_seconds = 0;                         // wall, the process's start time
  double end_seconds = 0;                           // wall, the first scan that no longer saw it
  std::optional<std::uint64_t> peak_private_bytes;  // the highest private memory the store saw
  std::string pattern;                              // its memory pattern when it died
  DeathCause cause = DeathCause::kPending;
};

struct GroupReport {
  std::string name;
  std::uint64_t processes = 0;
  // Each sum is over the members that have the value; absent when no member has it (an fd count
  // needs CAP_DAC_READ_SEARCH on kernels before 6.2): missing is not 0.
  std::optional<std::uint64_t> resident_bytes;
  std::optional<std::uint64_t> pss_bytes;
  std::uint64_t pss_readings = 0;  // how many members' readings pss_bytes adds up
  std::optional<std::uint64_t> swap_bytes;
  std::optional<std::uint64_t> open_fds;
  std::uint64_t leak_suspects = 0;  // suspect processes, plus 1 when the group is a crash loop
  bool crash_loop = false;
  std::vector<InstanceDeath> deaths;  // ended instances within the longest window, oldest first
};

struct CgroupReport {
  std::string path;  // sanitised
  std::string unit;
  std::string container_id;
  model::CgroupSample sample;                          // raw values from the last scan
  std::optional<std::uint64_t> effective_limit_bytes;  // tightest of it and its ancestors
  WindowRates rates;                                   // unreclaimable growth per window
  ResourceVerdict memory;             // of its unreclaimable memory; memory.headroom when limited
  std::vector<HistoryPoint> history;  // unreclaimable bytes, downsampled
};

struct SystemReport {
  std::optional<std::uint64_t> mem_total_bytes, mem_available_bytes, swap_total_bytes,
      swap_free_bytes, anon_huge_pages_bytes, committed_as_bytes;
  std::optional<std::uint64_t> oom_kills_total, thp_fault_alloc_total, thp_fault_fallback_total,
      compact_stall_total;
  std::optional<procfs::Pressure> pressure;
  std::vector<WindowRate> available_rates;  // MemAvailable growth (negative = shrinking)
  std::optional<double> seconds_to_memory_exhaustion;
  std::vector<HistoryPoint> available_history;
  std::string cgroup_layout;  // "v2", "v1", "hybrid", "none"
};

// One OOM kill with its post-mortem from the stored history.
struct OomEvent {
  double time_seconds = 0;  // wall
  std::int32_t pid = 0;
  std::string comm;
  std::string cgroup;
  std::string unit;
  std::string group;
  std::string constraint;  // CONSTRAINT_MEMCG, CONSTRAINT_NONE, ... ("" unknown)
  std::string source;      // "kmsg" or "counter" (attributed from a cgroup/vmstat counter)
  std::optional<std::uint64_t> anon_rss_bytes;  // at death, from the kernel line
  std::optional<std::uint64_t> peak_private_bytes;
  std::optional<double> growth_bytes_per_second;  // over the last window before death
  std::string pattern_before;
  bool was_suspect = false;
  std::optional<double> flagged_seconds_before;  // how long before death it was flagged
  std::optional<double> lifetime_seconds;
  std::vector<HistoryPoint> history;  // last hour of private bytes
  // Unique per daemon run (from 1). A kill first published from a counter alone may be identified
  // by a late kernel log line: the new event then has replaces_id = the earlier event's id, takes
  // its place in the recent events and in the per-group counts (the kill is counted once).
  std::uint64_t id = 0;
  std::uint64_t replaces_id = 0;
};

struct ScanHistogram {
  std::vector<double> bounds;         // upper bounds, seconds
  std::vector<std::uint64_t> counts;  // cumulative per bound
  std::uint64_t count = 0;
  double sum = 0;
};

// The daemon's own counters (totals since start).
struct SelfReport {
  std::string version;
  std::uint64_t scans_total = 0;
  ScanHistogram scan_duration;
  std::uint64_t processes_scanned = 0;  // last scan
  std::uint64_t processes_tracked = 0;
  std::uint64_t errors_gone = 0, errors_denied = 0, errors_parse = 0, errors_io = 0,
                errors_cgroup = 0, errors_system = 0, errors_kmsg = 0;
  std::uint64_t errors_mountinfo = 0;  // malformed mountinfo lines skipped at start-up
  std::uint64_t smaps_reads_total = 0;
  double smaps_read_seconds_total = 0;
  // Whole cycles (scan_duration) and their phases cover the cycles finished before this report's
  // own: a report cannot contain the time spent publishing it.
  std::array<double, model::kScanPhaseCount> scan_phase_seconds_total{};
  std::optional<double> daemon_cpu_seconds_total;  // user + system, all threads; nullopt: unread
  std::uint64_t smaps_skipped_budget = 0, smaps_skipped_max_rss = 0, smaps_skipped_interval = 0,
                smaps_skipped_denied = 0;
  std::uint64_t store_bytes = 0;
  std::uint64_t store_series = 0;
  std::uint64_t store_evictions = 0;  // all reasons
  std::uint64_t store_evictions_exited = 0, store_evictions_idle = 0, store_evictions_refused = 0;
  std::uint64_t cgroups_skipped = 0;  // not exported (cardinality bound)
  bool config_last_reload_successful = true;
  // Failed history snapshot writes and discarded snapshots by reason (daemon/persistence.h).
  std::map<std::string, std::uint64_t> state_save_failures;
  std::map<std::string, std::uint64_t> state_restore_discarded;
  // Entries in the daemon's long-lived maps, by map name: flat on a steady host.
  std::vector<std::pair<std::string, std::uint64_t>> internal_entries;
  double last_scan_wall_seconds = 0;
  double scan_interval_seconds = 10;
};

struct Report {
  double generated_at = 0;               // wall seconds
  bool ready = false;                    // false until the first scan has been published
  std::vector<ProcessReport> processes;  // every live process (and dead ones in grace)
  std::vector<GroupReport> groups;
  std::vector<CgroupReport> cgroups;  // exported cgroups only
  SystemReport system;
  std::vector<OomEvent> oom_events;                         // newest last, bounded
  std::map<std::string, std::uint64_t> oom_kills_by_group;  // since the daemon started
  std::uint64_t oom_kills_flagged_total = 0;
  SelfReport self;
  std::vector<std::string> windows;  // analysis window labels, in order
  SuspectRule memory_rule{};
  SuspectRule fds_rule{};
};

}  // namespace lw::analysis
