// Range and cross-field checks over a Config, with errors located in the file when it came from
// one. Every range lives in validate.h, so the file's comments, the walker and this agree.

#include "config/validate.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <regex>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "base/net_address.h"
#include "base/text.h"

namespace lw::config {

namespace {

// Strips the last component: "a.b[2].c" -> "a.b[2]" -> "a.b" -> "a" -> "".
std::string_view parent_path(std::string_view path) {
  const auto cut = path.find_last_of(".[");
  return cut == std::string_view::npos ? std::string_view{} : path.substr(0, cut);
}

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

// The shape of a bcrypt hash as crypt(3) writes it: "$2b$12$" then 53 characters of bcrypt's
// base64 (22 of salt, 31 of hash). Only the shape: lib/http verifies passwords with crypt_r.
bool is_bcrypt(std::string_view h) {
  constexpr std::size_t kLength = 60;
  if (h.size() != kLength) {
    return false;
  }
  const std::string_view prefix = h.substr(0, 4);
  if (prefix != "$2a$" && prefix != "$2b$" && prefix != "$2y$") {
    return false;
  }
  const auto cost = text::parse_u64(h.substr(4, 2));
  if (!cost || *cost < 4 || *cost > 31 || h[6] != '$') {
    return false;
  }
  return std::all_of(h.begin() + 7, h.end(), [](char c) {
    return c == '.' || c == '/' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
           (c >= '0' && c <= '9');
  });
}

// nullopt when the group name template is fine, else what is wrong with it.
std::optional<std::string> template_problem(std::string_view name) {
  if (name.empty()) {
    return "empty name";
  }
  for (std::size_t i = 0; i < name.size(); ++i) {
    if (name[i] == '}') {
      return "stray '}' in '" + std::string(name) + "'";
    }
    if (name[i] != '{') {
      continue;
    }
    const auto close = name.find('}', i);
    if (close == std::string_view::npos) {
      return "unclosed '{' in '" + std::string(name) + "'";
    }
    const std::string_view field = name.substr(i + 1, close - i - 1);
    if (field != "comm" && field != "unit" && field != "cgroup" && field != "pid") {
      return "unknown placeholder {" + std::string(field) + "} in '" + std::string(name) + "'";
    }
    i = close;
  }
  return std::nullopt;
}

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
    try {
      const std::regex compiled(*re, std::regex::ECMAScript);
      static_cast<void>(compiled);
    } catch (const std::regex_error& e) {
      fail(path, "bad regex '" + *re + "': " + e.what(), "an ECMAScript regular expression");
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
    check("scan.smaps.budget", s.smaps.budget, limits::kSmapsBudget);
    check("scan.smaps.top_k", s.smaps.top_k, limits::kSmapsTopK);
    matchers("scan.smaps.force", s.smaps.force);
    check("scan.limits_interval", s.limits_interval, limits::kLimitsInterval);
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
    // "localhost" is the one name taken: civetweb binds numeric addresses only.
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
    for (const auto& [user, hash] : w.basic_auth_users) {
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
    for (std::size_t i = 0; i < w.allow.size(); ++i) {
      if (!net::parse_ipv4_cidr(w.allow[i])) {
        fail(index_path("web.allow", i), "'" + w.allow[i] + "' is not an IPv4 CIDR",
             "a.b.c.d/nn with nn 0..32, e.g. 10.0.0.0/8");
      }
    }
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

  // Rules between keys. Each error names the key to change and points at whichever of the keys
  // involved the file sets, so the position is never a default's.
  void cross_checks(Config& c) {
    const Duration interval = c.scan.interval;
    const Duration retention = c.store.retention;
    auto& windows = c.analysis.windows;
    const std::string describe_windows = "windows between 2 x scan.interval (" +
                                         format_duration(2 * interval) + ") and store.retention (" +
                                         format_duration(retention) + ")";
    std::size_t largest = 0;
    for (std::size_t i = 0; i < windows.size(); ++i) {
      const std::string item = index_path("analysis.windows", i);
      if (windows[i] < 2 * interval) {
        fail_at(locations_.value(item) ? locations_.value(item)
                                       : locations_.find_value("scan.interval"),
                "analysis.windows",
                "window " + format_duration(windows[i]) + " is shorter than 2 x scan.interval (" +
                    format_duration(interval) + ")",
                describe_windows);
      }
      if (windows[i] > windows[largest]) {
        largest = i;
      }
    }
    if (retention < windows[largest]) {
      const std::string item = index_path("analysis.windows", largest);
      fail_at(locations_.value("store.retention") ? locations_.value("store.retention")
                                                  : locations_.find_value(item),
              "store.retention",
              format_duration(retention) + " is shorter than the largest analysis window (" +
                  format_duration(windows[largest]) + ")",
              "at least the largest window, at most " + format_duration(limits::kRetention.max));
    }
    const auto samples = static_cast<std::uint64_t>(retention / interval);
    if (samples > limits::kMaxSamplesPerSeries) {
      fail_at(locations_.value("store.retention") ? locations_.value("store.retention")
                                                  : locations_.find_value("scan.interval"),
              "store.retention",
              format_duration(retention) + " at scan.interval " + format_duration(interval) +
                  " keeps " + std::to_string(samples) + " samples per series",
              "at most " + std::to_string(limits::kMaxSamplesPerSeries) +
                  " samples (store.retention / scan.interval)");
    }
    if (c.analysis.min_observed > retention) {
      fail_at(locations_.value("analysis.min_observed") ? locations_.value("analysis.min_observed")
                                                        : locations_.find_value("store.retention"),
              "analysis.min_observed",
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

std::optional<Position> lookup(const std::map<std::string, Position, std::less<>>& m,
                               std::string_view path) {
  const auto it = m.find(path);
  return it == m.end() ? std::nullopt : std::optional<Position>(it->second);
}

}  // namespace

std::optional<Position> Locations::key(std::string_view path) const {
  return lookup(keys_, path);
}

std::optional<Position> Locations::value(std::string_view path) const {
  return lookup(values_, path);
}

std::optional<Position> Locations::find_value(std::string_view path) const {
  for (; !path.empty(); path = parent_path(path)) {
    if (auto v = value(path)) {
      return v;
    }
    if (auto k = key(path)) {
      return k;
    }
  }
  return std::nullopt;
}

std::optional<Position> Locations::find_key(std::string_view path) const {
  for (; !path.empty(); path = parent_path(path)) {
    if (auto k = key(path)) {
      return k;
    }
    if (auto v = value(path)) {
      return v;
    }
  }
  return std::nullopt;
}

Error config_error(std::string_view source, std::optional<Position> at, std::string_view path,
                   std::string_view what, std::string_view allowed) {
  std::string detail(source);
  if (at) {
    detail += ':';
    detail += std::to_string(at->line);
    detail += ':';
    detail += std::to_string(at->column);
  }
  if (!detail.empty()) {
    detail += ": ";
  }
  detail += path;
  detail += ": ";
  detail += what;
  if (!allowed.empty()) {
    detail += ", allowed: ";
    detail += allowed;
  }
  return malformed(std::move(detail));
}

std::string format_real(double v) {
  std::array<char, 32> buf{};
  const auto [end, ec] = std::to_chars(buf.data(), buf.data() + buf.size(), v);
  return ec == std::errc{} ? std::string(buf.data(), end) : std::string("?");
}

std::string describe(limits::DurationRange r) {
  return format_duration(r.min) + ".." + format_duration(r.max);
}

std::string describe(limits::UintRange r) {
  return std::to_string(r.min) + ".." + std::to_string(r.max);
}

std::string describe(limits::RealRange r) {
  if (r.min_exclusive) {
    return "above " + format_real(r.min) + ", at most " + format_real(r.max);
  }
  return format_real(r.min) + ".." + format_real(r.max);
}

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
