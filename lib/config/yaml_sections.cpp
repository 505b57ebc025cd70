// Which keys each section of leakwatch.yaml has, one walker function per section, and the
// handlers for the structured values (matchers, cgroup filters, group rules, users).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "config/config.h"
#include "config/validate.h"
#include "config/yaml_walker.h"

namespace lw::config {

namespace {

constexpr std::string_view kMatcherKeys = "comm, exe, cmdline, cgroup";

void walk_matcher(Walker& w, const YAML::Node& n, const std::string& p, Matcher& m) {
  constexpr std::string_view kRegex = "an RE2 regex (full match)";
  w.map(n, p,
        {{"comm", w.optional_string(m.comm, kRegex)},
         {"exe", w.optional_string(m.exe, kRegex)},
         {"cmdline", w.optional_string(m.cmdline, kRegex)},
         {"cgroup", w.optional_string(m.cgroup, kRegex)}});
}

Handler matchers(Walker& w, std::vector<Matcher>& out) {
  return [&w, &out](const YAML::Node& n, const std::string& p) {
    out.clear();
    w.items(n, p, "a list of matchers with keys comm, exe, cmdline, cgroup",
            [&](const YAML::Node& item, const std::string& ip) {
              Matcher m;
              if (item.IsNull()) {
                w.fail_at(w.locations().find_key(ip), ip, "empty matcher", kMatcherKeys);
              }
              walk_matcher(w, item, ip, m);
              out.push_back(std::move(m));
            });
  };
}

Handler cgroup_filters(Walker& w, std::vector<CgroupFilter>& out) {
  return [&w, &out](const YAML::Node& n, const std::string& p) {
    out.clear();
    w.items(
        n, p, "a list of filters with the key path",
        [&](const YAML::Node& item, const std::string& ip) {
          CgroupFilter f;
          if (item.IsNull()) {
            w.fail_at(w.locations().find_key(ip), ip, "empty filter", "path");
          }
          w.map(item, ip, {{"path", w.optional_string(f.path, "a regex over the cgroup path")}});
          out.push_back(std::move(f));
        });
  };
}

Handler group_by(Walker& w, GroupBy& out) {
  return [&w, &out](const YAML::Node& n, const std::string& p) {
    constexpr std::string_view kAllowed = "comm, unit, cgroup, rules";
    if (const auto s = w.scalar(n, p, kAllowed)) {
      if (*s == "comm") {
        out = GroupBy::kComm;
      } else if (*s == "unit") {
        out = GroupBy::kUnit;
      } else if (*s == "cgroup") {
        out = GroupBy::kCgroup;
      } else if (*s == "rules") {
        out = GroupBy::kRules;
      } else {
        w.fail_value(p, "'" + *s + "' is not a grouping", kAllowed);
      }
    }
  };
}

void walk_group_rule(Walker& w, const YAML::Node& item, const std::string& ip, GroupRule& rule) {
  if (item.IsNull()) {
    w.fail_at(w.locations().find_key(ip), ip, "empty rule", "match, name");
  }
  w.map(item, ip,
        {{"match",
          [&w, &rule](const YAML::Node& mn, const std::string& mp) {
            if (mn.IsNull()) {
              w.fail_at(w.locations().key(mp), mp, "empty matcher", kMatcherKeys);
            }
            walk_matcher(w, mn, mp, rule.match);
          }},
         {"name", w.text_value(rule.name, "a name template, e.g. '{unit}' or 'web'")}});
}

Handler group_rules(Walker& w, std::vector<GroupRule>& out) {
  return [&w, &out](const YAML::Node& n, const std::string& p) {
    out.clear();
    w.items(n, p, "a list of rules {match: {...}, name: ...}",
            [&](const YAML::Node& item, const std::string& ip) {
              GroupRule rule;
              walk_group_rule(w, item, ip, rule);
              out.push_back(std::move(rule));
            });
  };
}

Handler users(Walker& w, std::vector<std::pair<std::string, std::string>>& out) {
  return [&w, &out](const YAML::Node& n, const std::string& p) {
    constexpr std::string_view kAllowed = "a map of user name -> bcrypt hash";
    out.clear();
    w.entries(n, p, kAllowed,
              [&](const std::string& user, const YAML::Node& value, const std::string& child) {
                if (auto hash = w.scalar(value, child, "a bcrypt hash such as $2b$10$...")) {
                  out.emplace_back(user, std::move(*hash));
                }
              });
  };
}

void walk_smaps(Walker& w, const YAML::Node& n, const std::string& p, Config::Scan::Smaps& s) {
  w.map(n, p,
        {{"enabled", w.boolean(s.enabled)},
         {"min_interval", w.duration(s.min_interval)},
         {"max_age", w.duration(s.max_age)},
         {"max_rss", w.bytes(s.max_rss_bytes)},
         {"budget", w.duration(s.budget)},
         {"top_k", w.u32(s.top_k, limits::kSmapsTopK)},
         {"force", matchers(w, s.force)}});
}

void walk_scan(Walker& w, const YAML::Node& n, const std::string& p, Config::Scan& s) {
  w.map(n, p,
        {{"interval", w.duration(s.interval)},
         {"smaps", [&w, &s](const YAML::Node& sn,
                            const std::string& sp) { walk_smaps(w, sn, sp, s.smaps); }},
         {"limits_interval", w.duration(s.limits_interval)},
         {"identity_refresh_scans", w.u32(s.identity_refresh_scans, limits::kIdentityRefreshScans)},
         {"kmsg", w.boolean(s.kmsg)}});
}

void walk_store(Walker& w, const YAML::Node& n, const std::string& p, Config::Store& s) {
  w.map(n, p,
        {{"retention", w.duration(s.retention)},
         {"dead_grace", w.duration(s.dead_grace)},
         {"max_series", w.u32(s.max_series, limits::kMaxSeries)},
         {"snapshot_interval", w.duration(s.snapshot_interval)}});
}

void walk_analysis(Walker& w, const YAML::Node& n, const std::string& p, Config::Analysis& a) {
  w.map(
      n, p,
      {{"windows", w.durations(a.windows)},
       {"warmup_grace", w.duration(a.warmup_grace)},
       {"min_observed", w.duration(a.min_observed)},
       {"rate_period", w.duration(a.rate_period)},
       {"min_growth_ratio_per_hour", w.real(a.min_growth_ratio_per_hour, limits::kMinGrowthRatio)},
       {"min_growth_bytes_per_hour", w.bytes(a.min_growth_bytes_per_hour)},
       {"min_fd_growth_per_hour", w.real(a.min_fd_growth_per_hour, limits::kMinFdGrowth)},
       {"suspect_score", w.real(a.suspect_score, limits::kSuspectScore)},
       {"sibling_outlier_ratio", w.real(a.sibling_outlier_ratio, limits::kSiblingOutlierRatio)},
       {"max_oom_events", w.u32(a.max_oom_events, limits::kMaxOomEvents)},
       {"crash_loop_restart_within", w.duration(a.crash_loop_restart_within)}});
}

void walk_export_cgroups(Walker& w, const YAML::Node& n, const std::string& p,
                         Config::Export::Cgroups& c) {
  w.map(n, p,
        {{"max_depth", w.u32(c.max_depth, limits::kCgroupMaxDepth)},
         {"min_usage_bytes", w.bytes(c.min_usage_bytes)},
         {"max_exported", w.u32(c.max_exported, limits::kCgroupMaxExported)},
         {"include", cgroup_filters(w, c.include)},
         {"exclude", cgroup_filters(w, c.exclude)}});
}

void walk_export(Walker& w, const YAML::Node& n, const std::string& p, Config::Export& e) {
  w.map(n, p,
        {{"top_k", w.u32(e.top_k, limits::kExportTopK)},
         {"include", matchers(w, e.include)},
         {"exclude", matchers(w, e.exclude)},
         {"max_label_bytes", w.u32(e.max_label_bytes, limits::kMaxLabelBytes)},
         {"cgroups", [&w, &e](const YAML::Node& cn, const std::string& cp) {
            walk_export_cgroups(w, cn, cp, e.cgroups);
          }}});
}

void walk_groups(Walker& w, const YAML::Node& n, const std::string& p, Config::Groups& g) {
  w.map(n, p, {{"by", group_by(w, g.by)}, {"rules", group_rules(w, g.rules)}});
}

void refuse_tls(Walker& w, const std::string& path) {
  w.fail_at(w.locations().key(path), path,
            "TLS is not supported: leakwatch serves plain HTTP; terminate TLS in a reverse proxy "
            "(see README, 'TLS')",
            "");
}

void walk_web(Walker& w, const YAML::Node& n, const std::string& p, Config::Web& web) {
  w.map(n, p,
        {{"listen", w.text_value(web.listen, "HOST:PORT, e.g. :9847")},
         {"threads", w.u32(web.threads, limits::kWebThreads)},
         {"request_timeout", w.duration(web.request_timeout)},
         {"header_timeout", w.duration(web.header_timeout)},
         {"max_connections", w.u32(web.max_connections, limits::kWebMaxConnections)},
         {"max_connections_per_address",
          w.u32(web.max_connections_per_address, limits::kWebMaxConnectionsPerAddress)},
         {"basic_auth_users", users(w, web.basic_auth_users)},
         {"allow", w.strings(web.allow, "IPv4 CIDRs such as 10.0.0.0/8")},
         {"tls_server_config",
          [&w](const YAML::Node&, const std::string& tp) { refuse_tls(w, tp); }}});
}

void walk_paths(Walker& w, const YAML::Node& n, const std::string& p, Config::Paths& d) {
  w.map(n, p,
        {{"procfs", w.text_value(d.procfs, "an absolute path")},
         {"sysfs", w.text_value(d.sysfs, "an absolute path")},
         {"state_dir", w.text_value(d.state_dir, "an absolute path")},
         {"kmsg", w.text_value(d.kmsg, "an absolute path")}});
}

void walk_log(Walker& w, const YAML::Node& n, const std::string& p, Config::Log& l) {
  w.map(n, p, {{"level", w.text_value(l.level, "trace, debug, info, warn, error")}});
}

// A Handler that walks one section into its part of the Config.
void walk_attribution(Walker& w, const YAML::Node& n, const std::string& p,
                      Config::Attribution& a) {
  w.map(n, p,
        {{"sample_interval", w.bytes(a.sample_interval)},
         {"stack_bytes", w.bytes(a.stack_bytes)},
         {"max_live_samples", w.u32(a.max_live_samples, limits::kAttrMaxLive)},
         {"ring_buffer", w.bytes(a.ring_buffer)},
         {"max_stack_records", w.u32(a.max_stack_records, limits::kAttrMaxRecords)},
         {"min_age", w.duration(a.min_age)},
         {"probe_phase", w.duration(a.probe_phase)},
         {"target_budget_percent", w.real(a.target_budget_percent, limits::kAttrTargetBudget)},
         {"trap_cost_us", w.real(a.trap_cost_us, limits::kAttrTrapCost)},
         {"daemon_budget_percent", w.real(a.daemon_budget_percent, limits::kAttrDaemonBudget)},
         {"min_samples", w.u32(a.min_samples, limits::kAttrMinSamples)},
         {"allocator_libraries",
          w.strings(a.allocator_libraries, "library file-name fragments, e.g. libjemalloc")},
         {"symbol_prefix", w.text_value(a.symbol_prefix, "a symbol prefix such as je_, or ''")}});
}

template <typename Section>
Handler section(Walker& w, Section& out,
                void (*walk)(Walker&, const YAML::Node&, const std::string&, Section&)) {
  return [&w, &out, walk](const YAML::Node& n, const std::string& p) { walk(w, n, p, out); };
}

}  // namespace

void walk_document(Walker& w, const YAML::Node& doc, Config& c) {
  const std::initializer_list<Field> sections{
      {"scan", section(w, c.scan, walk_scan)},
      {"store", section(w, c.store, walk_store)},
      {"analysis", section(w, c.analysis, walk_analysis)},
      {"export", section(w, c.exporter, walk_export)},
      {"groups", section(w, c.groups, walk_groups)},
      {"web", section(w, c.web, walk_web)},
      {"attribution", section(w, c.attribution, walk_attribution)},
      {"paths", section(w, c.paths, walk_paths)},
      {"log", section(w, c.log, walk_log)},
  };
  if (!doc.IsMap()) {
    w.fail_at(position_if_known(doc.Mark()), "top level",
              "expected a map of sections, got " + type_name(doc), key_list(sections));
    return;
  }
  w.map(doc, "", sections);
}

}  // namespace lw::config
