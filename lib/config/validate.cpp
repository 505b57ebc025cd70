// Range and cross-field checks over a Config, with errors located in the file when it came from
// one. Every range lives in validate.h, so the file's comments, the walker and this agree.

#include "config/validate.h"

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/net_address.h"
#include "base/pattern.h"
#include "config/value_checks.h"

namespace lw::config {

namespace {

std::string index_path(std::string_view path, std::size_t i) {
  std::string out(path);
  out += '[';
  out += std::to_string(i);
  out += ']';
  return out;
}

std::string child_path(std::string_view path, std::string_view key) {
  std::string out(path);
  out += '.';
  out += key;
  return out;
}

constexpr std::string_view kRegexAllowed =
    "an RE2 regular expression (no backreferences or lookaround)";

constexpr std::string_view kListenAllowed =
    "HOST:PORT with an IPv4 address, 'localhost' or an empty host (all interfaces) and a port "
    "0..65535, e.g. :9847 or 127.0.0.1:9847";

class Validator {
 public:
  Validator(const Locations& locations, std::string_view source)
      : locations_(locations), source_(source) {}

  std::optional<Error> run(Config& c) {
    scan(c.scan);
    store(c.store);
    analysis(c.analysis);
    exporter(c.exporter);
    groups(c.groups);
    web(c.web);
    attribution(c.attribution);
    paths(c.paths);
    log(c.log);
    if (!error_) {
      cross_checks(c);  // relies on the ranges above, e.g. a non-zero interval
    }
    return std::move(error_);
  }

 private:
  void fail_at(std::optional<Position> at, std::string_view path, std::string_view what,
               std::string_view allowed) {
    if (!error_) {
      error_ = config_error(source_, at, path, what, allowed);
    }
  }
  void fail(std::string_view path, std::string_view what, std::string_view allowed) {
    fail_at(locations_.find_value(path), path, what, allowed);
  }

  void check(std::string_view path, Duration v, limits::DurationRange r) {
    if (v < r.min || v > r.max) {
      fail(path, format_duration(v) + " is out of range", describe(r));
    }
  }
  void check(std::string_view path, std::uint64_t v, limits::UintRange r) {
    if (v < r.min || v > r.max) {
      fail(path, std::to_string(v) + " is out of range", describe(r));
    }
  }
  void check(std::string_view path, double v, limits::RealRange r) {
    const bool above_min = r.min_exclusive ? v > r.min : v >= r.min;
    if (!(above_min && v <= r.max)) {  // also rejects NaN
      fail(path, format_real(v) + " is out of range", describe(r));
    }
  }

  void regex(std::string_view path, const std::optional<std::string>& re) {
    if (!re) {
      return;
    }
    if (const auto compiled = Pattern::compile(*re); !compiled) {
      fail(path, "bad regex '" + *re + "': " + compiled.error().detail, kRegexAllowed);
    }
  }

  void matcher(const std::string& path, const Matcher& m) {
    if (!m.comm && !m.exe && !m.cmdline && !m.cgroup) {
      fail(path, "a matcher needs at least one field", "comm, exe, cmdline, cgroup (regexes)");
      return;
    }
    regex(child_path(path, "comm"), m.comm);
    regex(child_path(path, "exe"), m.exe);
    regex(child_path(path, "cmdline"), m.cmdline);
    regex(child_path(path, "cgroup"), m.cgroup);
  }

  void matchers(std::string_view path, const std::vector<Matcher>& ms) {
    for (std::size_t i = 0; i < ms.size(); ++i) {
      matcher(index_path(path, i), ms[i]);
    }
  }

  void cgroup_filters(std::string_view path, const std::vector<CgroupFilter>& fs) {
    for (std::size_t i = 0; i < fs.size(); ++i) {
      const std::string item = index_path(path, i);
      if (!fs[i].path) {
        fail(item, "a cgroup filter needs a path", "path (a regex over the cgroup path)");
      }
      regex(child_path(item, "path"), fs[i].path);
    }
  }

  void absolute_path(std::string_view path, const std::string& value) {
    if (value.empty() || value.front() != '/' || value.find('\0') != std::string::npos) {
      fail(path, "'" + value + "' is not an absolute path", "a path starting with '/'");
    }
  }

  void scan(const Config::Scan& s) {
    check("scan.interval", s.interval, limits::kScanInterval);
    check("scan.smaps.min_interval", s.smaps.min_interval, limits::kSmapsMinInterval);
    check("scan.smaps.max_age", s.smaps.max_age, limits::kSmapsMaxAge);
    if (s.smaps.max_age < s.smaps.min_interval) {
      fail("scan.smaps.max_age",
           format_duration(s.smaps.max_age) + " is shorter than scan.smaps.min_interval (" +
               format_duration(s.smaps.min_interval) + "): every reading would expire",
           "at least scan.smaps.min_interval");
    }
    check("scan.smaps.budget", s.smaps.budget, limits::kSmapsBudget);
    check("scan.smaps.top_k", s.smaps.top_k, limits::kSmapsTopK);
    matchers("scan.smaps.force", s.smaps.force);
    check("scan.limits_interval", s.limits_interval, limits::kLimitsInterval);
    check("scan.identity_refresh_scans", s.identity_refresh_scans, limits::kIdentityRefreshScans);
  }

  void store(const Config::Store& s) {
    check("store.retention", s.retention, limits::kRetention);
    check("store.dead_grace", s.dead_grace, limits::kDeadGrace);
    check("store.max_series", s.max_series, limits::kMaxSeries);
    check("store.snapshot_interval", s.snapshot_interval, limits::kSnapshotInterval);
  }

  void analysis(const Config::Analysis& a) {
    if (a.windows.empty() || a.windows.size() > limits::kMaxWindows) {
      fail("analysis.windows", std::to_string(a.windows.size()) + " windows",
           "1.." + std::to_string(limits::kMaxWindows) + " durations");
    }
    for (std::size_t i = 0; i < a.windows.size(); ++i) {
      check(index_path("analysis.windows", i), a.windows[i], limits::kWindow);
    }
    check("analysis.warmup_grace", a.warmup_grace, limits::kWarmupGrace);
    check("analysis.min_observed", a.min_observed, limits::kMinObserved);
    check("analysis.rate_period", a.rate_period, limits::kRatePeriod);
    check("analysis.min_growth_ratio_per_hour", a.min_growth_ratio_per_hour,
          limits::kMinGrowthRatio);
    check("analysis.min_fd_growth_per_hour", a.min_fd_growth_per_hour, limits::kMinFdGrowth);
    check("analysis.suspect_score", a.suspect_score, limits::kSuspectScore);
    check("analysis.sibling_outlier_ratio", a.sibling_outlier_ratio, limits::kSiblingOutlierRatio);
    check("analysis.max_oom_events", a.max_oom_events, limits::kMaxOomEvents);
    check("analysis.crash_loop_restart_within", a.crash_loop_restart_within,
          limits::kCrashLoopRestartWithin);
  }

  void exporter(const Config::Export& e) {
    check("export.top_k", e.top_k, limits::kExportTopK);
    matchers("export.include", e.include);
    matchers("export.exclude", e.exclude);
    check("export.max_label_bytes", e.max_label_bytes, limits::kMaxLabelBytes);
    check("export.cgroups.max_depth", e.cgroups.max_depth, limits::kCgroupMaxDepth);
    check("export.cgroups.max_exported", e.cgroups.max_exported, limits::kCgroupMaxExported);
    cgroup_filters("export.cgroups.include", e.cgroups.include);
    cgroup_filters("export.cgroups.exclude", e.cgroups.exclude);
  }

  void groups(const Config::Groups& g) {
    for (std::size_t i = 0; i < g.rules.size(); ++i) {
      const std::string item = index_path("groups.rules", i);
      matcher(child_path(item, "match"), g.rules[i].match);
      if (const auto problem = template_problem(g.rules[i].name)) {
        fail(child_path(item, "name"), *problem,
             "a non-empty name; placeholders {comm}, {unit}, {cgroup}, {pid}");
      }
    }
    if (g.by == GroupBy::kRules && g.rules.empty()) {
      fail("groups.by", "'rules' needs at least one entry in groups.rules",
           "comm, unit, cgroup, or rules with groups.rules set");
    }
  }

  void listen(std::string& value) {
    // "localhost" is the one name taken: the server binds numeric addresses only.
    std::string_view text = value;
    const bool localhost = text.starts_with("localhost:");
    if (localhost) {
      text.remove_prefix(std::string_view("localhost").size());
    }
    const auto address = net::parse_listen_address(text);
    if (!address) {
      fail("web.listen", address.error().detail, kListenAllowed);
      return;
    }
    value = localhost ? "127.0.0.1:" + std::to_string(address->port) : address->to_string();
  }

  void basic_auth_users(const std::vector<std::pair<std::string, std::string>>& users) {
    for (const auto& [user, hash] : users) {
      const std::string path = child_path("web.basic_auth_users", user);
      if (user.empty() || user.find(':') != std::string::npos) {
        fail_at(locations_.find_key(path), path, "bad user name '" + user + "'",
                "a non-empty name without ':'");
      }
      if (!is_bcrypt(hash)) {
        fail(path, "not a bcrypt hash",
             "$2a$, $2b$ or $2y$, a cost 04..31, '$' and 53 characters of [./A-Za-z0-9] (as "
             "written by htpasswd -nbBC 10 USER PASS)");
      }
    }
  }

  void allow_list(const std::vector<std::string>& allow) {
    for (std::size_t i = 0; i < allow.size(); ++i) {
      if (!net::parse_ipv4_cidr(allow[i])) {
        fail(index_path("web.allow", i), "'" + allow[i] + "' is not an IPv4 CIDR",
             "a.b.c.d/nn with nn 0..32, e.g. 10.0.0.0/8");
      }
    }
  }

  void web(Config::Web& w) {
    listen(w.listen);
    check("web.threads", w.threads, limits::kWebThreads);
    check("web.request_timeout", w.request_timeout, limits::kRequestTimeout);
    check("web.header_timeout", w.header_timeout, limits::kHeaderTimeout);
    check("web.max_connections", w.max_connections, limits::kWebMaxConnections);
    check("web.max_connections_per_address", w.max_connections_per_address,
          limits::kWebMaxConnectionsPerAddress);
    if (w.max_connections_per_address > w.max_connections) {
      fail("web.max_connections_per_address",
           std::to_string(w.max_connections_per_address) + " is above web.max_connections (" +
               std::to_string(w.max_connections) + ")",
           "1 .. web.max_connections");
    }
    basic_auth_users(w.basic_auth_users);
    allow_list(w.allow);
  }

  void attribution(const Config::Attribution& a) {
    check("attribution.sample_interval", a.sample_interval, limits::kAttrSampleInterval);
    check("attribution.stack_bytes", a.stack_bytes, limits::kAttrStackBytes);
    check("attribution.max_live_samples", a.max_live_samples, limits::kAttrMaxLive);
    check("attribution.ring_buffer", a.ring_buffer, limits::kAttrRingBuffer);
    if ((a.ring_buffer & (a.ring_buffer - 1)) != 0) {
      fail("attribution.ring_buffer", std::to_string(a.ring_buffer) + " is not a power of two",
           "a power of two, 64KiB .. 256MiB");
    }
    check("attribution.max_stack_records", a.max_stack_records, limits::kAttrMaxRecords);
    check("attribution.min_age", a.min_age, limits::kAttrMinAge);
    check("attribution.probe_phase", a.probe_phase, limits::kAttrProbePhase);
    check("attribution.target_budget_percent", a.target_budget_percent, limits::kAttrTargetBudget);
    check("attribution.trap_cost_us", a.trap_cost_us, limits::kAttrTrapCost);
    check("attribution.daemon_budget_percent", a.daemon_budget_percent, limits::kAttrDaemonBudget);
    check("attribution.min_samples", a.min_samples, limits::kAttrMinSamples);
  }

  void paths(const Config::Paths& p) {
    absolute_path("paths.procfs", p.procfs);
    absolute_path("paths.sysfs", p.sysfs);
    absolute_path("paths.state_dir", p.state_dir);
    absolute_path("paths.kmsg", p.kmsg);
  }

  void log(const Config::Log& l) {
    constexpr std::array<std::string_view, 5> kLevels{"trace", "debug", "info", "warn", "error"};
    if (std::find(kLevels.begin(), kLevels.end(), l.level) == kLevels.end()) {
      fail("log.level", "'" + l.level + "' is not a log level", "trace, debug, info, warn, error");
    }
  }

  // The position of `preferred` when the file sets it, else of `fallback` (or its parent): a
  // cross-field error points at a key the file sets, never at a default.
  std::optional<Position> where(std::string_view preferred, std::string_view fallback) const {
    const auto at = locations_.value(preferred);
    return at ? at : locations_.find_value(fallback);
  }

  // Every window at least 2 x scan.interval; returns the index of the largest.
  std::size_t check_windows(const std::vector<Duration>& windows, Duration interval,
                            Duration retention) {
    const std::string describe_windows = "windows between 2 x scan.interval (" +
                                         format_duration(2 * interval) + ") and store.retention (" +
                                         format_duration(retention) + ")";
    std::size_t largest = 0;
    for (std::size_t i = 0; i < windows.size(); ++i) {
      if (windows[i] < 2 * interval) {
        fail_at(where(index_path("analysis.windows", i), "scan.interval"), "analysis.windows",
                "window " + format_duration(windows[i]) + " is shorter than 2 x scan.interval (" +
                    format_duration(interval) + ")",
                describe_windows);
      }
      if (windows[i] > windows[largest]) {
        largest = i;
      }
    }
    return largest;
  }

  // store.retention holds the largest window and at most kMaxSamplesPerSeries samples.
  void check_retention(Duration retention, Duration interval, Duration largest_window,
                       std::size_t largest) {
    if (retention < largest_window) {
      fail_at(where("store.retention", index_path("analysis.windows", largest)), "store.retention",
              format_duration(retention) + " is shorter than the largest analysis window (" +
                  format_duration(largest_window) + ")",
              "at least the largest window, at most " + format_duration(limits::kRetention.max));
    }
    const auto samples = static_cast<std::uint64_t>(retention / interval);
    if (samples > limits::kMaxSamplesPerSeries) {
      fail_at(where("store.retention", "scan.interval"), "store.retention",
              format_duration(retention) + " at scan.interval " + format_duration(interval) +
                  " keeps " + std::to_string(samples) + " samples per series",
              "at most " + std::to_string(limits::kMaxSamplesPerSeries) +
                  " samples (store.retention / scan.interval)");
    }
  }

  // Rules between keys. Each error names the key to change and points at whichever of the keys
  // involved the file sets, so the position is never a default's.
  void cross_checks(Config& c) {
    const Duration interval = c.scan.interval;
    const Duration retention = c.store.retention;
    auto& windows = c.analysis.windows;
    const std::size_t largest = check_windows(windows, interval, retention);
    check_retention(retention, interval, windows[largest], largest);
    if (c.analysis.min_observed > retention) {
      fail_at(where("analysis.min_observed", "store.retention"), "analysis.min_observed",
              format_duration(c.analysis.min_observed) + " is longer than store.retention (" +
                  format_duration(retention) + "), so no process would ever get a verdict",
              "0.." + format_duration(retention) + " (store.retention)");
    }
    if (!error_) {
      std::sort(windows.begin(), windows.end());
      windows.erase(std::unique(windows.begin(), windows.end()), windows.end());
    }
  }

  const Locations& locations_;
  std::string_view source_;
  std::optional<Error> error_;
};

}  // namespace

Result<Config> validate_located(Config config, const Locations& locations,
                                std::string_view source) {
  if (auto error = Validator(locations, source).run(config)) {
    return std::move(*error);
  }
  return config;
}

Result<Config> validate(Config config) {
  return validate_located(std::move(config), {}, {});
}

}  // namespace lw::config
