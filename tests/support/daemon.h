#pragma once

// Starts the real leakwatchd on an ephemeral loopback port with a config written to a temp dir,
// and scrapes it.

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "support/fake_root.h"
#include "support/metrics_text.h"
#include "support/process.h"

namespace lw::testing {

// A fast configuration: durations divided by 60 (interval 10s/60 ~ 166ms, windows 15s/1m/6m).
std::string fast_config_yaml(const std::string& extra = "");

class Daemon {
 public:
  // Writes `yaml` to a temp file and starts the daemon with it plus `extra_args`. Waits (bounded)
  // for the "listening on" log line and reads the bound port from it. `launcher` (a program and
  // its arguments, such as {"/usr/bin/env", "LD_PRELOAD=..."}) runs the daemon when given.
  explicit Daemon(const std::string& yaml, const std::vector<std::string>& extra_args = {},
                  const std::vector<std::string>& launcher = {});
  int port() const { return port_; }
  Child& process() { return child_; }
  const std::string& config_path() const { return config_path_; }
  FakeRoot& dir() { return dir_; }
  // GET path; empty optional when the request failed.
  std::optional<std::string> get(const std::string& path, int* status = nullptr);
  std::vector<MetricSample> scrape();
  // Waits until leakwatch_scans_total >= n.
  bool wait_scans(double n, std::chrono::milliseconds timeout);

 private:
  FakeRoot dir_;
  std::string config_path_;
  Child child_;
  int port_ = 0;
};

std::string daemon_path();
std::string workload_path();

}  // namespace lw::testing
