#include "daemon/app.h"

#include <csignal>

#include <malloc.h>
#include <spdlog/spdlog.h>
#include <systemd/sd-daemon.h>

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
      if (pending_cfg_) {
        cycle_->reconfigure(*pending_cfg_);
        cfg_ = *pending_cfg_;
        interval_ms_ = cfg_.scan.interval.count();
        pending_cfg_.reset();
        sd_notify(0, "READY=1");
      }
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
      cv_.wait_until(lock, stop, wake, [this] { return pending_cfg_.has_value(); });
      if (pending_cfg_ || std::chrono::steady_clock::now() >= next) {
        break;
      }
    }
  }
}

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
    sd_notify(0, "READY=1");
    return;
  }
  config::Config next = apply_overrides(std::move(*cfg));
  if (next.web.listen != cfg_.web.listen || next.paths.procfs != cfg_.paths.procfs ||
      next.paths.sysfs != cfg_.paths.sysfs) {
    spdlog::warn("reload: web.listen and paths.* changes take effect after a restart");
  }
  reload_ok_ = true;
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
