#include "daemon/options.h"

#include <algorithm>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "base/pattern.h"

namespace lw::daemon {

namespace {
// The config was validated, which compiled every pattern; failing here is a bug, reported the
// way std::regex reported it before (an exception, fatal at start-up, logged on reload).
Pattern compile(const std::string& pattern) {
  auto compiled = Pattern::compile(pattern);
  if (!compiled) {
    throw std::invalid_argument("regex '" + pattern + "': " + compiled.error().detail);
  }
  return std::move(*compiled);
}
std::optional<Pattern> compile(const std::optional<std::string>& pattern) {
  if (!pattern) {
    return std::nullopt;
  }
  return compile(*pattern);
}
analysis::Matcher matcher(const config::Matcher& m) {
  return analysis::Matcher{compile(m.comm), compile(m.exe), compile(m.cmdline), compile(m.cgroup)};
}
std::vector<analysis::Matcher> matchers(const std::vector<config::Matcher>& ms) {
  std::vector<analysis::Matcher> out;
  out.reserve(ms.size());
  for (const auto& m : ms) {
    out.push_back(matcher(m));
  }
  return out;
}
bool needs_identity(const std::vector<config::Matcher>& ms) {
  return std::any_of(ms.begin(), ms.end(), [](const auto& m) { return m.exe || m.cmdline; });
}
double seconds(config::Duration d) {
  return std::chrono::duration<double>(d).count();
}
}  // namespace

analysis::AnalysisOptions analysis_options(const config::Config& cfg) {
  analysis::AnalysisOptions o;
  o.windows.clear();
  o.window_labels.clear();
  for (const auto& w : cfg.analysis.windows) {
    o.windows.push_back(w);
    o.window_labels.push_back(config::format_duration(w));
  }
  const double time_scale = seconds(cfg.analysis.rate_period) / 3600.0;
  o.memory.min_growth_ratio_per_hour = cfg.analysis.min_growth_ratio_per_hour;
  o.memory.min_growth_bytes_per_hour = static_cast<double>(cfg.analysis.min_growth_bytes_per_hour);
  o.memory.min_observed_seconds = seconds(cfg.analysis.min_observed);
  o.memory.warmup_grace_seconds = seconds(cfg.analysis.warmup_grace);
  o.memory.suspect_score = cfg.analysis.suspect_score;
  o.memory.time_scale = time_scale;
  o.fds = o.memory;
  o.fds.min_growth_ratio_per_hour = 0;
  o.fds.min_growth_bytes_per_hour = cfg.analysis.min_fd_growth_per_hour;
  o.top_k = cfg.exporter.top_k;
  o.smaps_top_k = cfg.scan.smaps.top_k;
  o.smaps_max_age_seconds = seconds(cfg.scan.smaps.max_age);
  o.sibling_outlier_ratio = cfg.analysis.sibling_outlier_ratio;
  o.max_oom_events = cfg.analysis.max_oom_events;
  o.crash_loop_restart_within_seconds = seconds(cfg.analysis.crash_loop_restart_within);
  o.cgroups.max_depth = cfg.exporter.cgroups.max_depth;
  o.cgroups.min_usage_bytes = cfg.exporter.cgroups.min_usage_bytes;
  o.cgroups.max_exported = cfg.exporter.cgroups.max_exported;
  for (const auto& f : cfg.exporter.cgroups.include) {
    if (f.path) {
      o.cgroups.include.push_back(compile(*f.path));
    }
  }
  for (const auto& f : cfg.exporter.cgroups.exclude) {
    if (f.path) {
      o.cgroups.exclude.push_back(compile(*f.path));
    }
  }
  return o;
}

analysis::ProcessRules process_rules(const config::Config& cfg) {
  analysis::ProcessRules r;
  switch (cfg.groups.by) {
    case config::GroupBy::kComm:
      r.by = analysis::GroupBy::kComm;
      break;
    case config::GroupBy::kUnit:
      r.by = analysis::GroupBy::kUnit;
      break;
    case config::GroupBy::kCgroup:
      r.by = analysis::GroupBy::kCgroup;
      break;
    case config::GroupBy::kRules:
      r.by = analysis::GroupBy::kRules;
      break;
  }
  bool identity = false;
  for (const auto& rule : cfg.groups.rules) {
    r.group_rules.push_back({matcher(rule.match), rule.name});
    identity = identity || rule.match.exe || rule.match.cmdline;
  }
  r.include = matchers(cfg.exporter.include);
  r.exclude = matchers(cfg.exporter.exclude);
  r.smaps_force = matchers(cfg.scan.smaps.force);
  r.needs_identity = identity || needs_identity(cfg.exporter.include) ||
                     needs_identity(cfg.exporter.exclude) || needs_identity(cfg.scan.smaps.force);
  return r;
}

store::SeriesStoreOptions store_options(const config::Config& cfg) {
  store::SeriesStoreOptions h;
  h.interval = cfg.scan.interval;
  h.retention = cfg.store.retention;
  h.dead_grace = cfg.store.dead_grace;
  h.max_series = cfg.store.max_series;
  h.max_label_bytes = cfg.exporter.max_label_bytes;
  return h;
}

scan::SmapsPolicy smaps_policy(const config::Config& cfg) {
  return scan::SmapsPolicy{.enabled = cfg.scan.smaps.enabled,
                           .min_interval = cfg.scan.smaps.min_interval,
                           .max_rss_bytes = cfg.scan.smaps.max_rss_bytes,
                           .budget = cfg.scan.smaps.budget};
}

http::ServerOptions server_options(const config::Config& cfg) {
  http::ServerOptions s;
  s.listen = cfg.web.listen;
  s.threads = cfg.web.threads;
  s.request_timeout = cfg.web.request_timeout;
  s.header_timeout = cfg.web.header_timeout;
  s.max_connections = cfg.web.max_connections;
  s.max_connections_per_address = cfg.web.max_connections_per_address;
  s.basic_auth_users = cfg.web.basic_auth_users;
  s.allow = cfg.web.allow;
  return s;
}

}  // namespace lw::daemon
