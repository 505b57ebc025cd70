#pragma once

// The history snapshot's life in the daemon (SPEC "History (the store)"): restored from
// <paths.state_dir>/history.snap at start, written atomically every store.snapshot_interval from
// the scan loop and once more on SIGTERM, after the scan thread stopped. Never fatal: a missing
// file is silent, a bad one is discarded with one warning, a failed write is logged (once per
// kind of failure per hour, always at shutdown) and the daemon carries on. The calls run on one
// thread at a time (start, then the scan thread, then the main thread after joining it), as the
// store requires. The file holds the store and, as its annotations section, the verdict state,
// and the writer's boot id and machine id: a snapshot from another machine is discarded. A
// discarded file is moved aside to <path>.discarded (the last one only), never silently lost.

#include <chrono>
#include <cstdint>
#include <map>
#include <string>

#include "analysis/verdict_state.h"
#include "config/config.h"
#include "store/series_store.h"

namespace lw::daemon {

class Persistence {
 public:
  using Clock = std::chrono::steady_clock;

  explicit Persistence(const config::Config& cfg);

  const std::string& path() const { return path_; }

  // Failed writes since the start by reason (read_only, no_space, missing, denied, memory, io)
  // and snapshots discarded at start by reason (unreadable, corrupt, truncated, version,
  // foreign_machine): every reason is present, from 0. leakwatch_state_save_failures_total and
  // leakwatch_state_restore_discarded_total.
  const std::map<std::string, std::uint64_t>& save_failures() const { return save_failures_; }
  const std::map<std::string, std::uint64_t>& restore_discarded() const {
    return restore_discarded_;
  }

  // Replaces the store and the verdicts with the snapshot, if there is a usable one, and logs one
  // line. Processes whose (pid, starttime) is gone from procfs (or that ran in another boot) come
  // back dead.
  void restore(store::SeriesStore& store, analysis::VerdictState& verdicts);

  // From the scan loop after each scan: writes the snapshot when `interval` has passed since the
  // last write (or the start). A zero interval writes only at shutdown.
  void maybe_save(const store::SeriesStore& store, const analysis::VerdictState& verdicts,
                  std::chrono::milliseconds interval);

  // On SIGTERM/SIGINT, once the scan thread has stopped.
  void save_at_shutdown(const store::SeriesStore& store, const analysis::VerdictState& verdicts);

 private:
  bool write(const store::SeriesStore& store, const analysis::VerdictState& verdicts,
             bool shutdown);
  void report_failure(const std::string& kind, const std::string& detail, bool shutdown);

  std::string state_dir_;
  std::string path_;
  std::string procfs_;
  std::string boot_id_;
  std::string machine_id_;
  Clock::time_point last_save_;
  std::map<std::string, Clock::time_point> last_warned_;  // failure kind -> last warning
  std::uint64_t failures_ = 0;                            // failed writes since the last good one
  std::map<std::string, std::uint64_t> save_failures_;
  std::map<std::string, std::uint64_t> restore_discarded_;
};

}  // namespace lw::daemon
