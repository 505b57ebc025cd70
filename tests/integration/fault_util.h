#pragma once

// Shared by the fault matrix (fault_state_test.cpp, fault_runtime_test.cpp; RELIABILITY.md):
// a fast configuration that writes the history snapshot every 200 ms, and the three checks every
// row makes: the daemon still serves, still scans, and logged a line so many times.

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <map>
#include <optional>
#include <string>

#include "support/daemon.h"
#include "support/skip.h"

namespace lw::testing {

// fast_config_yaml() with a snapshot every 200 ms, the given state directory, more `paths:`
// lines (each "  key: value\n") and more sections.
inline std::string fault_config(const std::filesystem::path& state_dir,
                                const std::string& more_paths = "",
                                const std::string& more_sections = "") {
  std::string yaml = fast_config_yaml(more_sections + "paths:\n  state_dir: " + state_dir.string() +
                                      "\n" + more_paths);
  const std::string from = "snapshot_interval: 5s";
  const auto pos = yaml.find(from);
  if (pos != std::string::npos) {
    yaml.replace(pos, from.size(), "snapshot_interval: 200ms");
  }
  return yaml;
}

inline std::size_t count_lines(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  for (auto pos = text.find(needle); pos != std::string::npos; pos = text.find(needle, pos + 1)) {
    ++n;
  }
  return n;
}

inline std::optional<double> metric(Daemon& d, const std::string& name,
                                    const std::map<std::string, std::string>& labels = {}) {
  return find_sample(d.scrape(), name, labels);
}

// /healthz says ok and /metrics answers, within a bounded wait (a loaded machine may delay a scan).
inline bool serving(Daemon& d) {
  return wait_until(
      [&] {
        int status = 0;
        const auto health = d.get("/healthz", &status);
        int mstatus = 0;
        const auto body = d.get("/metrics", &mstatus);
        return health && status == 200 && body && mstatus == 200 &&
               body->find("leakwatch_scans_total") != std::string::npos;
      },
      std::chrono::seconds(10));
}

// Three more scans complete after now.
inline bool still_scanning(Daemon& d) {
  const double now = metric(d, "leakwatch_scans_total").value_or(0);
  return d.wait_scans(now + 3, std::chrono::seconds(20));
}

// Waits until the counter (with labels) reaches at least n.
inline bool wait_metric(Daemon& d, const std::string& name,
                        const std::map<std::string, std::string>& labels, double n,
                        std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
  return wait_until([&] { return metric(d, name, labels).value_or(-1) >= n; }, timeout);
}

// The number of unfinished snapshot temp files (history.snap.tmp.<pid>) in dir, but `except`.
inline std::size_t temp_files(const std::filesystem::path& dir,
                              const std::filesystem::path& except = {}) {
  std::size_t n = 0;
  std::error_code ec;
  for (std::filesystem::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    n += name.starts_with("history.snap.tmp.") && it->path() != except ? 1 : 0;
  }
  return n;
}

}  // namespace lw::testing
