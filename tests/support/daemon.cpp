#include "support/daemon.h"

#include <stdexcept>

#include "http/http_client.h"

namespace lw::testing {

std::string daemon_path() {
  return LW_BINARY_DIR "/daemon/leakwatchd";
}
std::string workload_path() {
  return LW_BINARY_DIR "/tests/lw_workload";
}

std::string fast_config_yaml(const std::string& extra) {
  return "scan:\n"
         "  interval: 166ms\n"
         "  limits_interval: 1s\n"
         "  smaps:\n"
         "    min_interval: 5s\n"
         "    budget: 500ms\n"
         "store:\n"
         "  retention: 6m\n"
         "  dead_grace: 15s\n"
         "  snapshot_interval: 5s\n"
         "analysis:\n"
         "  windows: [15s, 1m, 6m]\n"
         "  warmup_grace: 10s\n"
         "  min_observed: 15s\n"
         "  rate_period: 1m\n"
         "  crash_loop_restart_within: 1s\n"
         "web:\n"
         "  listen: \"127.0.0.1:0\"\n"
         "  request_timeout: 2s\n" +
         extra;
}

Daemon::Daemon(const std::string& yaml, const std::vector<std::string>& extra_args,
               const std::vector<std::string>& launcher) {
  // Each daemon gets its own state directory, so tests never share (or write to /var/lib) history.
  std::string config = yaml;
  if (config.find("state_dir:") == std::string::npos &&
      config.find("paths:") == std::string::npos) {
    config += "paths:\n  state_dir: " + (dir_ / "state").string() + "\n";
  }
  dir_.file("leakwatch.yaml", config);
  config_path_ = (dir_ / "leakwatch.yaml").string();
  std::vector<std::string> argv = launcher;
  argv.insert(argv.end(), {daemon_path(), "--config", config_path_});
  argv.insert(argv.end(), extra_args.begin(), extra_args.end());
  child_ = Child::spawn(argv);
  const auto line = child_.wait_for_line("(port ", std::chrono::seconds(20));
  if (!line) {
    child_.drain();
    throw std::runtime_error("leakwatchd did not start listening:\n" + child_.output());
  }
  const auto pos = line->find("(port ");
  port_ = std::stoi(line->substr(pos + 6));
}

std::optional<std::string> Daemon::get(const std::string& path, int* status) {
  const auto r = http_get(port_, path);
  if (!r) {
    return std::nullopt;
  }
  if (status != nullptr) {
    *status = r->status;
  }
  return r->body;
}

std::vector<MetricSample> Daemon::scrape() {
  const auto body = get("/metrics");
  return body ? parse_exposition(*body) : std::vector<MetricSample>{};
}

bool Daemon::wait_scans(double n, std::chrono::milliseconds timeout) {
  return wait_until(
      [&] {
        const auto v = find_sample(scrape(), "leakwatch_scans_total");
        return v && *v >= n;
      },
      timeout);
}

}  // namespace lw::testing
