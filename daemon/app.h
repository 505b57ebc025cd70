#pragma once

// The running daemon: the scanner thread (the only thread with a period), the HTTP server, signal
// handling and sd_notify. Constructed from a validated Config by main().

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <thread>

#include "config/config.h"
#include "daemon/persistence.h"
#include "daemon/scan_cycle.h"
#include "export/leak_collectable.h"
#include "export/report_board.h"
#include "http/server.h"

namespace lw::daemon {

class App {
 public:
  // config_path is re-read on SIGHUP (empty: built-in defaults, nothing to reload).
  App(config::Config cfg, std::string config_path, std::optional<std::string> listen_override,
      std::optional<std::string> proc_override, std::optional<std::string> sys_override);
  ~App();

  // Opens the roots, binds the HTTP port and starts the scanner thread. Errors are fatal.
  Status start();
  // Blocks until SIGTERM/SIGINT, reloading on SIGHUP. Returns the exit code.
  int run();

 private:
  void scan_loop(const std::stop_token& stop);
  void apply_pending_config();
  void reload();
  void publish_reload_outcome(bool ok);
  http::Health health() const;
  config::Config apply_overrides(config::Config cfg) const;

  config::Config cfg_;
  std::string config_path_;
  std::optional<std::string> listen_override_, proc_override_, sys_override_;
  std::unique_ptr<ScanCycle> cycle_;
  std::unique_ptr<Persistence> persistence_;  // the history snapshot in paths.state_dir
  exporter::ReportBoard board_;
  exporter::LeakCollectable collectable_{board_};
  std::unique_ptr<http::HttpServer> server_;

  mutable std::mutex mu_;  // guards pending_cfg_, reload flags and the health fields
  std::condition_variable_any cv_;
  std::optional<config::Config> pending_cfg_;
  bool reload_ok_ = true;
  // A reload finished since the scanner last looked: its outcome is published at once, not at the
  // next scan.
  bool reload_outcome_pending_ = false;
  std::atomic<std::int64_t> last_scan_steady_ms_{0};
  std::atomic<std::int64_t> interval_ms_{10000};
  std::jthread thread_;
};

}  // namespace lw::daemon
