#include "daemon/scan_cycle.h"

#include <chrono>
#include <ctime>
#include <optional>

#include <unistd.h>

#include "analysis/labels.h"
#include "daemon/options.h"
#include "scan/cgroup_members.h"

namespace lw::daemon {

namespace {
scan::ProcessSamplerOptions sampler_options(const config::Config& cfg) {
  scan::ProcessSamplerOptions o;
  o.proc_root = cfg.paths.procfs;
  o.page_size = static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
  o.clock_ticks_per_second = static_cast<std::uint64_t>(::sysconf(_SC_CLK_TCK));
  o.limits_interval = cfg.scan.limits_interval;
  o.identity_refresh_scans = cfg.scan.identity_refresh_scans;
  return o;
}

// Wall time of consecutive phases from one steady clock: each lap ends a phase and starts the
// next, so the phases tile the cycle and add up to its duration.
class PhaseClock {
 public:
  void lap(model::ScanPhase phase, model::ScanStats& stats) {
    const auto t = std::chrono::steady_clock::now();
    stats.phase_seconds.at(static_cast<std::size_t>(phase)) = seconds(t - last_);
    last_ = t;
  }
  double total_seconds() const { return seconds(last_ - started_); }

 private:
  static double seconds(std::chrono::steady_clock::duration d) {
    return std::chrono::duration<double>(d).count();
  }
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point last_ = started_;
};

// CPU time of the whole daemon (user + system, every thread: scanner, HTTP workers) so far.
std::optional<double> process_cpu_seconds() {
  timespec ts{};
  if (::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts) != 0) {
    return std::nullopt;
  }
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

std::vector<double> histogram_bounds() {
  return {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
}
}  // namespace

ScanCycle::ScanCycle(const config::Config& cfg)
    : cfg_(cfg),
      processes_(sampler_options(cfg)),
      cgroups_(cfg.paths.procfs, cfg.paths.sysfs),
      kmsg_(cfg.paths.kmsg),
      store_(store_options(cfg)),
      builder_(analysis_options(cfg)),
      rules_(process_rules(cfg)),
      smaps_(smaps_policy(cfg)) {
  processes_.set_read_identity(rules_.needs_identity);
  self_.version = LW_VERSION;  // shown on the status page
  self_.scan_duration.bounds = histogram_bounds();
  self_.scan_duration.counts.assign(self_.scan_duration.bounds.size(), 0);
  self_.scan_interval_seconds = std::chrono::duration<double>(cfg.scan.interval).count();
}

Status ScanCycle::open() {
  auto status = processes_.open();
  if (!status) {
    return status;
  }
  (void)cgroups_.discover();  // kNone is a degraded mode, exported as leakwatch_cgroup_layout
  self_.errors_mountinfo = cgroups_.mountinfo_malformed_lines();
  processes_.set_cgroup_ns_root(cgroups_.cgroup_namespace().root);
  if (cfg_.scan.kmsg) {
    // Unreadable: kills are still counted from the counters. Counted once as a kmsg error, so
    // the degraded mode shows in leakwatch_scan_errors_total as well as in the start-up line.
    if (const Status k = kmsg_.open(); !k) {
      kmsg_error_ = k.error().detail;
      ++self_.errors_kmsg;
    }
  }
  return Ok{};
}

std::string ScanCycle::cgroup_layout_name() const {
  switch (cgroups_.layout()) {
    case cgroup::CgroupLayoutKind::kV2:
      return "v2";
    case cgroup::CgroupLayoutKind::kV1:
      return "v1";
    case cgroup::CgroupLayoutKind::kHybrid:
      return "hybrid";
    case cgroup::CgroupLayoutKind::kNone:
      return "none";
  }
  return "none";
}

void ScanCycle::reconfigure(const config::Config& cfg) {
  cfg_ = cfg;
  builder_.set_options(analysis_options(cfg));
  store_.set_options(store_options(cfg));
  rules_ = process_rules(cfg);
  smaps_ = smaps_policy(cfg);
  processes_.set_read_identity(rules_.needs_identity);
  processes_.set_identity_refresh_scans(cfg.scan.identity_refresh_scans);
  processes_.set_limits_interval(cfg.scan.limits_interval);
  if (!cfg.scan.kmsg && kmsg_.is_open()) {
    kmsg_ = scan::KmsgReader(cfg.paths.kmsg);  // closed: turned on again, it starts from then
  } else if (cfg.scan.kmsg && !kmsg_.is_open()) {
    (void)kmsg_.open();  // unreadable: kills are still counted from the counters
  }
  self_.scan_interval_seconds = std::chrono::duration<double>(cfg.scan.interval).count();
}

// The store sits below analysis: it is told which series the analysis values (suspects, even
// exited ones for their post-mortem; the top-K and every other tracked process), which it then
// never evicts to make room.
void ScanCycle::protect_tracked(const analysis::Report& report) {
  std::vector<model::ProcessId> ids;
  for (const auto& p : report.processes) {
    if (p.tracked || p.memory.suspect || p.fds.suspect) {
      ids.push_back(p.id);
    }
  }
  store_.set_protected(std::move(ids));
}

void ScanCycle::accumulate(const model::ScanStats& s) {
  self_.errors_gone += s.gone;
  self_.errors_denied += s.denied;
  self_.errors_parse += s.parse_errors;
  self_.errors_io += s.io_errors;
  self_.errors_cgroup += s.cgroup_errors + s.cgroups_gone;
  self_.errors_system += s.system_errors;
  self_.errors_kmsg += s.kmsg_errors;
  self_.smaps_reads_total += s.smaps_reads;
  self_.smaps_read_seconds_total += s.smaps_read_seconds;
  self_.smaps_skipped_budget += s.smaps_skipped_budget;
  self_.smaps_skipped_max_rss += s.smaps_skipped_max_rss;
  self_.smaps_skipped_interval += s.smaps_skipped_interval;
  self_.smaps_skipped_denied += s.smaps_skipped_denied;
  ++self_.scans_total;
}

// The cost of a finished cycle, for the next report.
void ScanCycle::record_cost(const model::ScanStats& s) {
  auto& h = self_.scan_duration;
  ++h.count;
  h.sum += s.duration_seconds;
  for (std::size_t i = 0; i < h.bounds.size(); ++i) {
    if (s.duration_seconds <= h.bounds[i]) {
      ++h.counts[i];
    }
  }
  for (std::size_t i = 0; i < model::kScanPhaseCount; ++i) {
    self_.scan_phase_seconds_total.at(i) += s.phase_seconds.at(i);
  }
  self_.daemon_cpu_seconds_total = process_cpu_seconds();
}

void ScanCycle::record_entries() {
  const auto n = [](std::size_t v) { return static_cast<std::uint64_t>(v); };
  const analysis::VerdictState& v = builder_.verdicts();
  self_.internal_entries = {
      {"pid_cache", n(processes_.cached_processes())},
      {"store_processes", n(store_.processes().size())},
      {"store_cgroups", n(store_.cgroups().size())},
      {"verdict_processes", n(v.processes.size())},
      {"verdict_cgroups", n(v.cgroups.size())},
      {"oom_events", n(builder_.ooms().events().size())},
      {"oom_counters", n(builder_.ooms().kills_by_group().size())},
      {"kmsg_pending", n(kmsg_.pending())},
  };
}

void ScanCycle::sample(model::SteadyTime now, model::WallTime wall) {
  snap_.taken_at = now;
  snap_.wall_time = wall;
  snap_.stats = model::ScanStats{};
  snap_.system = processes_.sample_system(snap_.stats);  // first: it tells whether there is swap
  processes_.sample(now, snap_.processes, snap_.stats);
  snap_.cgroups.clear();
  if (cgroups_.layout() != cgroup::CgroupLayoutKind::kNone) {
    snap_.cgroups = cgroups_.sample(cfg_.exporter.cgroups.max_depth, snap_.stats);
    scan::count_members(snap_.processes, snap_.cgroups);
  }
  // The kernel log last: a kill counted in the counters above has its log line printed by now.
  snap_.kmsg_oom_lines.clear();
  if (kmsg_.is_open()) {
    snap_.kmsg_oom_lines = kmsg_.poll(snap_.stats.kmsg_errors);
  }
}

std::shared_ptr<const analysis::Report> ScanCycle::run(model::SteadyTime now, model::WallTime wall,
                                                       std::vector<analysis::OomEvent>& new_events,
                                                       const Publish& publish) {
  PhaseClock clock;
  sample(now, wall);
  clock.lap(model::ScanPhase::kSample, snap_.stats);

  const auto requests = builder_.plan_smaps(store_, snap_);
  processes_.read_smaps(now, smaps_, requests, snap_.processes, snap_.stats);
  clock.lap(model::ScanPhase::kSmaps, snap_.stats);

  const auto identity = [this](const model::ProcessId& id) {
    const auto* ident = processes_.identity(id);
    return ident == nullptr
               ? std::pair<std::string_view, std::string_view>{}
               : std::pair<std::string_view, std::string_view>{ident->exe, ident->cmdline};
  };
  store_.append(snap_, analysis::make_labeler(rules_, identity, store_.options().max_label_bytes));
  accumulate(snap_.stats);
  last_stats_ = snap_.stats;  // the publisher logs this scan's errors
  self_.last_scan_wall_seconds = std::chrono::duration<double>(wall.time_since_epoch()).count();
  record_entries();
  auto report = builder_.build(store_, snap_, self_, cgroup_layout_name(), new_events);
  protect_tracked(*report);
  clock.lap(model::ScanPhase::kAnalysis, snap_.stats);

  if (publish) {
    publish(report);
  }
  clock.lap(model::ScanPhase::kPublish, snap_.stats);

  snap_.stats.duration_seconds = clock.total_seconds();
  last_stats_.duration_seconds = snap_.stats.duration_seconds;
  last_stats_.phase_seconds = snap_.stats.phase_seconds;
  record_cost(snap_.stats);
  return report;
}

}  // namespace lw::daemon
