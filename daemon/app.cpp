#include "daemon/app.h"

#include <csignal>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <malloc.h>
#include <spdlog/spdlog.h>
#include <systemd/sd-daemon.h>

#include "analysis/report.h"
#include "config/reload.h"
#include "daemon/options.h"
#include "format/bytes.h"

namespace lw::daemon {

namespace {

std::int64_t steady_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

std::string bytes_or_unknown(std::optional<std::uint64_t> b) {
  return b ? format::bytes(static_cast<double>(*b)) : "?";
}

// Logs at most once per period per key; library code only counts, the daemon decides to log.
class RateLimiter {
 public:
  bool allow(std::int64_t now_ms, std::int64_t period_ms) {
    if (last_ != 0 && now_ms - last_ < period_ms) {
      return false;
    }
    last_ = now_ms;
    return true;
  }

 private:
  std::int64_t last_ = 0;
};

// What the daemon's cgroup namespace means for the cgroup labels, and what to change.
void log_cgroup_namespace(const scan::CgroupNamespaceInfo& ns) {
  if (ns.root) {
    spdlog::info(
        "private cgroup namespace with the host's hierarchy mounted: cgroup paths are resolved "
        "against this namespace's root {}",
        *ns.root);
  } else if (ns.private_ns || ns.host_hierarchy) {
    spdlog::warn(
        "private cgroup namespace: cgroups of processes outside it cannot be resolved and are "
        "left empty (no limits, units or OOM attribution for them); run the container with "
        "--cgroupns=host (Docker) or in the host's cgroup namespace (README, \"Containers\")");
  }
}

// The scan's errors (rate-limited) and its OOM kills, to the journal.
void log_scan(const model::ScanStats& st, const std::vector<analysis::OomEvent>& events,
              RateLimiter& parse_log, RateLimiter& io_log) {
  const std::int64_t now_ms = steady_ms();
  if (st.parse_errors > 0 && parse_log.allow(now_ms, 60000)) {
    spdlog::warn("{} /proc files were malformed in the last scan, skipping those processes",
                 st.parse_errors);
  }
  if (st.io_errors + st.cgroup_errors + st.system_errors > 0 && io_log.allow(now_ms, 60000)) {
    spdlog::warn("{} read errors in the last scan (io {}, cgroup {}, system {}), skipping",
                 st.io_errors + st.cgroup_errors + st.system_errors, st.io_errors, st.cgroup_errors,
                 st.system_errors);
  }
  if (st.boot_time_rereads > 0) {
    spdlog::info("the wall clock was stepped: boot time read again from /proc/stat");
  }
  for (const auto& ev : events) {
    if (ev.pid == 0) {
      spdlog::warn(
          "OOM kill seen in the counters only (victim unknown: kernel log unreadable "
          "or overwritten) in cgroup '{}'",
          ev.cgroup.empty() ? "?" : ev.cgroup);
      continue;
    }
    spdlog::warn(
        "OOM kill: pid {} ({}) in cgroup '{}' [{}]; anon-rss {} at death, peak {}, growth {} "
        "B/s, pattern '{}', {}; lived {} s",
        ev.pid, ev.comm, ev.cgroup, ev.source,
        ev.anon_rss_bytes ? std::to_string(*ev.anon_rss_bytes) : "?",
        ev.peak_private_bytes ? std::to_string(*ev.peak_private_bytes) : "?",
        ev.growth_bytes_per_second ? std::to_string(*ev.growth_bytes_per_second) : "?",
        ev.pattern_before,
        ev.was_suspect
            ? "flagged " +
                  std::to_string(static_cast<long>(ev.flagged_seconds_before.value_or(0))) +
                  " s before"
            : "not flagged",
        ev.lifetime_seconds ? std::to_string(static_cast<long>(*ev.lifetime_seconds)) : "?");
  }
}

// One line for `systemctl status`.
void notify_status(const analysis::Report& report) {
  std::size_t suspects = 0;
  for (const auto& p : report.processes) {
    suspects += p.memory.suspect || p.fds.suspect ? 1 : 0;
  }
  const std::string status = "STATUS=" + std::to_string(report.self.processes_scanned) +
                             " processes, " + std::to_string(suspects) +
                             " leak suspects, available " +
                             bytes_or_unknown(report.system.mem_available_bytes);
  sd_notify(0, status.c_str());
}

}  // namespace

App::App(config::Config cfg, std::string config_path, std::optional<std::string> listen_override,
         std::optional<std::string> proc_override, std::optional<std::string> sys_override)
    : config_path_(std::move(config_path)),
      listen_override_(std::move(listen_override)),
      proc_override_(std::move(proc_override)),
      sys_override_(std::move(sys_override)) {
  cfg_ = apply_overrides(std::move(cfg));
  interval_ms_ = cfg_.scan.interval.count();
}

App::~App() {
  thread_.request_stop();
  cv_.notify_all();
  if (thread_.joinable()) {
    thread_.join();
  }
  if (server_) {
    server_->stop();
  }
}

config::Config App::apply_overrides(config::Config cfg) const {
  if (listen_override_) {
    cfg.web.listen = *listen_override_;
  }
  if (proc_override_) {
    cfg.paths.procfs = *proc_override_;
  }
  if (sys_override_) {
    cfg.paths.sysfs = *sys_override_;
  }
  return cfg;
}

Status App::start() {
  cycle_ = std::make_unique<ScanCycle>(cfg_);
  auto opened = cycle_->open();
  if (!opened) {
    return opened;
  }
  spdlog::info("memory cgroups: {} layout; kernel log: {}", cycle_->cgroup_layout_name(),
               cycle_->kmsg_open() ? std::string("readable")
               : cycle_->kmsg_error().empty()
                   ? std::string("not read (scan.kmsg is off)")
                   : "unreadable (" + cycle_->kmsg_error() + "; OOM kills counted from counters)");
  log_cgroup_namespace(cycle_->cgroup_sampler().cgroup_namespace());
  if (const auto bad = cycle_->cgroup_sampler().mountinfo_malformed_lines(); bad > 0) {
    spdlog::warn("{} malformed line(s) in {}/self/mountinfo, skipping them (first: '{}')", bad,
                 cfg_.paths.procfs, cycle_->cgroup_sampler().first_malformed_mountinfo_line());
  }
  persistence_ = std::make_unique<Persistence>(cfg_);
  persistence_->restore(cycle_->mutable_store(), cycle_->mutable_verdicts());
  auto server = http::HttpServer::start(server_options(cfg_), board_, collectable_,
                                        [this] { return health(); });
  if (!server) {
    return server.error();
  }
  server_ = std::move(*server);
  for (const int port : server_->ports()) {
    spdlog::info("listening on {} (port {}): /metrics, /, /api/v1/processes, /healthz",
                 cfg_.web.listen, port);
  }
  thread_ = std::jthread([this](const std::stop_token& stop) { scan_loop(stop); });
  return Ok{};
}

http::Health App::health() const {
  const std::int64_t last = last_scan_steady_ms_.load();
  const std::int64_t interval = interval_ms_.load();
  if (last == 0) {
    return {false, "no scan completed yet"};
  }
  const std::int64_t age = steady_ms() - last;
  if (age > 3 * interval) {
    return {false, "last scan " + std::to_string(age / 1000) + " s ago (interval " +
                       std::to_string(interval) + " ms)"};
  }
  return {true, "ok"};
}

namespace {

// Gives the memory a cycle freed (its snapshot, report and scratch) back to the kernel, at most
// once a second. glibc returns free memory only from the top of an arena; between the store's
// long-lived chunks the rest stays resident: on a busy host with a full history that was 15-20 MiB
// of the daemon's RSS (tests/bench/RESULTS.md). The cost is a few ms and the page faults of
// touching that memory again.
void release_free_memory(std::chrono::steady_clock::time_point& last) {
  const auto now = std::chrono::steady_clock::now();
  if (now - last >= std::chrono::seconds(1)) {
    ::malloc_trim(0);
    last = now;
  }
}

}  // namespace

// The scanner thread applies a reloaded configuration between scans (mu_ held).
void App::apply_pending_config() {
  if (!pending_cfg_) {
    return;
  }
  if (pending_cfg_->paths.state_dir != cfg_.paths.state_dir) {
    persistence_ = std::make_unique<Persistence>(*pending_cfg_);  // snapshots go there now
  }
  cycle_->reconfigure(*pending_cfg_);
  cfg_ = *pending_cfg_;
  interval_ms_ = cfg_.scan.interval.count();
  pending_cfg_.reset();
  sd_notify(0, "READY=1");
}

// A reload's outcome shows at once on /metrics, the API and the status page rather than at the
// next scan (up to scan.interval later): the last report is published again with only
// config_last_reload_successful changed. A reload is rare; the copy costs what the report holds.
void App::publish_reload_outcome(bool ok) {
  const std::shared_ptr<const analysis::Report> last = board_.latest();
  if (last->self.config_last_reload_successful == ok) {
    return;
  }
  auto updated = std::make_shared<analysis::Report>(*last);
  updated->self.config_last_reload_successful = ok;
  board_.publish(std::move(updated));
}

void App::scan_loop(const std::stop_token& stop) {
  std::uint64_t watchdog_usec = 0;
  const bool watchdog = sd_watchdog_enabled(0, &watchdog_usec) > 0;
  RateLimiter parse_log;
  RateLimiter io_log;
  bool ready_sent = false;
  auto next = std::chrono::steady_clock::now();
  auto last_trim = next;
  while (!stop.stop_requested()) {
    {
      std::unique_lock lock(mu_);
      apply_pending_config();
      cycle_->self().config_last_reload_successful = reload_ok_;
    }
    cycle_->self().state_save_failures = persistence_->save_failures();
    cycle_->self().state_restore_discarded = persistence_->restore_discarded();
    std::vector<analysis::OomEvent> events;
    // Publishing is the cycle's last phase: its cost is part of the scan's.
    const auto publish = [&](const std::shared_ptr<const analysis::Report>& report) {
      board_.publish(report);
      last_scan_steady_ms_ = steady_ms();
      log_scan(cycle_->last_stats(), events, parse_log, io_log);
      notify_status(*report);
      if (!ready_sent) {
        sd_notify(0, "READY=1");
        ready_sent = true;
      }
    };
    try {
      (void)cycle_->run(std::chrono::steady_clock::now(), std::chrono::system_clock::now(), events,
                        publish);
    } catch (const std::exception& e) {
      // Nothing in the scan path throws by design; bad_alloc is the one thing that can.
      spdlog::error("scan failed: {}; retrying next interval", e.what());
    }
    persistence_->maybe_save(cycle_->store(), cycle_->verdicts(), cfg_.store.snapshot_interval);
    release_free_memory(last_trim);
    next += cfg_.scan.interval;
    const auto after = std::chrono::steady_clock::now();
    if (next < after) {
      next = after;  // no burst of catch-up scans after a stall or a suspend
    }
    // Wait for the next scan; ping the watchdog only from here, so a stuck scan gets restarted.
    while (!stop.stop_requested()) {
      if (watchdog) {
        sd_notify(0, "WATCHDOG=1");
      }
      auto wake = next;
      if (watchdog) {
        wake = std::min(
            wake, std::chrono::steady_clock::now() + std::chrono::microseconds(watchdog_usec / 2));
      }
      std::unique_lock lock(mu_);
      cv_.wait_until(lock, stop, wake,
                     [this] { return pending_cfg_.has_value() || reload_outcome_pending_; });
      // A reload applies now and the next scan keeps its time: a storm of SIGHUPs neither scans
      // once per signal nor pushes the schedule into the future.
      apply_pending_config();
      const bool outcome_pending = std::exchange(reload_outcome_pending_, false);
      const bool reload_ok = reload_ok_;
      lock.unlock();
      if (outcome_pending) {
        publish_reload_outcome(reload_ok);
      }
      if (std::chrono::steady_clock::now() >= next) {
        break;
      }
    }
  }
}

// SIGHUP: every key that can apply live does (the web section's basic_auth_users and allow at
// once, the rest at the next scan); a changed key that needs a restart is named in the log, keeps
// its running value and makes leakwatch_config_last_reload_successful 0.
void App::reload() {
  sd_notify(0, "RELOADING=1");
  if (config_path_.empty()) {
    spdlog::info("SIGHUP: no configuration file in use, nothing to reload");
    sd_notify(0, "READY=1");
    return;
  }
  auto cfg = config::load_config(config_path_);
  std::lock_guard lock(mu_);
  if (!cfg) {
    spdlog::error("reload failed, keeping the running configuration: {}", cfg.error().detail);
    reload_ok_ = false;
    reload_outcome_pending_ = true;
    cv_.notify_all();
    sd_notify(0, "READY=1");
    return;
  }
  config::Config next = apply_overrides(std::move(*cfg));
  if (server_) {
    if (auto access = server_->update_access(server_options(next)); !access) {
      spdlog::error("reload failed, keeping the running configuration: web: {}",
                    access.error().detail);
      reload_ok_ = false;
      reload_outcome_pending_ = true;
      cv_.notify_all();
      sd_notify(0, "READY=1");
      return;
    }
  }
  const auto pending = config::restart_only_changes(cfg_, next);
  config::keep_restart_only(cfg_, next);
  spdlog::set_level(spdlog::level::from_str(next.log.level));
  reload_ok_ = pending.empty();
  reload_outcome_pending_ = true;
  if (!pending.empty()) {
    spdlog::warn(
        "reload: {} changed but need(s) a restart; the running value(s) are kept until then, "
        "everything else was applied",
        fmt::join(pending, ", "));
  }
  pending_cfg_ = std::move(next);
  spdlog::info("configuration reloaded from {}", config_path_);
  cv_.notify_all();
}

int App::run() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGHUP);
  for (;;) {
    int sig = 0;
    if (sigwait(&set, &sig) != 0) {
      continue;
    }
    if (sig == SIGHUP) {
      reload();
      continue;
    }
    spdlog::info("received {}, stopping", sig == SIGTERM ? "SIGTERM" : "SIGINT");
    sd_notify(0, "STOPPING=1");
    thread_.request_stop();
    cv_.notify_all();
    if (thread_.joinable()) {
      thread_.join();
    }
    if (persistence_) {
      persistence_->save_at_shutdown(cycle_->store(), cycle_->verdicts());
    }
    if (server_) {
      server_->stop();
    }
    return 0;
  }
}

}  // namespace lw::daemon
