// The YAML side of the config: walks yaml-cpp's node tree into a Config, strictly, recording
// where every key sits; validate.cpp then checks ranges with those positions. The only file that
// includes yaml-cpp. yaml-cpp throws; nothing escapes parse_config or load_config.

#include "config/config.h"

#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <initializer_list>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fcntl.h>
#include <yaml-cpp/yaml.h>

#include "base/fd.h"
#include "base/text.h"
#include "config/validate.h"

namespace lw::config {

namespace {

// A config file is a few KiB; the bound only stops a wrong path (a device, a huge log) early.
constexpr std::size_t kMaxConfigBytes = std::size_t{1} << 20;

Position position(const YAML::Mark& mark) {
  return Position{mark.line + 1, mark.column + 1};
}

std::optional<Position> position_if_known(const YAML::Mark& mark) {
  if (mark.is_null() || mark.line < 0 || mark.column < 0) {
    return std::nullopt;
  }
  return position(mark);
}

// For "expected a map, got 'abc'".
std::string type_name(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map:
      return "a map";
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Scalar:
      return "'" + node.Scalar() + "'";
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
      break;
  }
  return "nothing";
}

std::string join(std::string_view path, std::string_view key) {
  if (path.empty()) {
    return std::string(key);
  }
  std::string out(path);
  out += '.';
  out += key;
  return out;
}

// The handler of one key: gets the value node and the key's full path.
using Handler = std::function<void(const YAML::Node&, const std::string&)>;
struct Field {
  std::string_view name;
  Handler handle;
};

std::string key_list(std::initializer_list<Field> fields) {
  std::string out;
  for (const auto& f : fields) {
    if (f.name == "tls_server_config") {
      continue;  // recognised only to refuse it
    }
    if (!out.empty()) {
      out += ", ";
    }
    out += f.name;
  }
  return out;
}

constexpr std::string_view kMatcherKeys = "comm, exe, cmdline, cgroup";

// Walks the document into a Config. The first error sticks: later handlers still run but cannot
// replace it, so no handler needs an early return to be correct.
class Walker {
 public:
  Walker(std::string_view source, Config& config, Locations& locations)
      : source_(source), config_(config), locations_(locations) {}

  std::optional<Error> take_error() { return std::move(error_); }

  void root(const YAML::Node& doc) {
    Config& c = config_;
    const std::initializer_list<Field> sections{
        {"scan",
         [this, &c](const YAML::Node& n, const std::string& p) {
           map(n, p,
               {{"interval", duration(c.scan.interval)},
                {"smaps",
                 [this, &c](const YAML::Node& sn, const std::string& sp) {
                   map(sn, sp,
                       {{"enabled", boolean(c.scan.smaps.enabled)},
                        {"min_interval", duration(c.scan.smaps.min_interval)},
                        {"max_rss", bytes(c.scan.smaps.max_rss_bytes)},
                        {"budget", duration(c.scan.smaps.budget)},
                        {"top_k", u32(c.scan.smaps.top_k, limits::kSmapsTopK)},
                        {"force", matchers(c.scan.smaps.force)}});
                 }},
                {"limits_interval", duration(c.scan.limits_interval)},
                {"kmsg", boolean(c.scan.kmsg)}});
         }},
        {"store",
         [this, &c](const YAML::Node& n, const std::string& p) {
           map(n, p,
               {{"retention", duration(c.store.retention)},
                {"dead_grace", duration(c.store.dead_grace)},
                {"max_series", u32(c.store.max_series, limits::kMaxSeries)},
                {"snapshot_interval", duration(c.store.snapshot_interval)}});
         }},
        {"analysis",
         [this, &c](const YAML::Node& n, const std::string& p) {
           auto& a = c.analysis;
           map(n, p,
               {{"windows", durations(a.windows)},
                {"warmup_grace", duration(a.warmup_grace)},
                {"min_observed", duration(a.min_observed)},
                {"rate_period", duration(a.rate_period)},
                {"min_growth_ratio_per_hour",
                 real(a.min_growth_ratio_per_hour, limits::kMinGrowthRatio)},
                {"min_growth_bytes_per_hour", bytes(a.min_growth_bytes_per_hour)},
                {"min_fd_growth_per_hour", real(a.min_fd_growth_per_hour, limits::kMinFdGrowth)},
                {"suspect_score", real(a.suspect_score, limits::kSuspectScore)},
                {"sibling_outlier_ratio",
                 real(a.sibling_outlier_ratio, limits::kSiblingOutlierRatio)},
                {"max_oom_events", u32(a.max_oom_events, limits::kMaxOomEvents)}});
         }},
        {"export",
         [this, &c](const YAML::Node& n, const std::string& p) {
           auto& e = c.exporter;
           map(n, p,
               {{"top_k", u32(e.top_k, limits::kExportTopK)},
                {"include", matchers(e.include)},
                {"exclude", matchers(e.exclude)},
                {"max_label_bytes", u32(e.max_label_bytes, limits::kMaxLabelBytes)},
                {"cgroups", [this, &e](const YAML::Node& cn, const std::string& cp) {
                   map(cn, cp,
                       {{"max_depth", u32(e.cgroups.max_depth, limits::kCgroupMaxDepth)},
                        {"min_usage_bytes", bytes(e.cgroups.min_usage_bytes)},
                        {"max_exported", u32(e.cgroups.max_exported, limits::kCgroupMaxExported)},
                        {"include", cgroup_filters(e.cgroups.include)},
                        {"exclude", cgroup_filters(e.cgroups.exclude)}});
                 }}});
         }},
        {"groups",
         [this, &c](const YAML::Node& n, const std::string& p) {
           map(n, p, {{"by", group_by(c.groups.by)}, {"rules", group_rules(c.groups.rules)}});
         }},
        {"web",
         [this, &c](const YAML::Node& n, const std::string& p) {
           auto& w = c.web;
           map(n, p,
               {{"listen", text_value(w.listen, "HOST:PORT, e.g. :9847")},
                {"threads", u32(w.threads, limits::kWebThreads)},
                {"request_timeout", duration(w.request_timeout)},
                {"header_timeout", duration(w.header_timeout)},
                {"max_connections", u32(w.max_connections, limits::kWebMaxConnections)},
                {"max_connections_per_address",
                 u32(w.max_connections_per_address, limits::kWebMaxConnectionsPerAddress)},
                {"basic_auth_users", users(w.basic_auth_users)},
                {"allow", strings(w.allow, "IPv4 CIDRs such as 10.0.0.0/8")},
                {"tls_server_config", [this](const YAML::Node&, const std::string& tp) {
                   fail_at(locations_.key(tp), tp,
                           "TLS is not supported: Debian 12's civetweb crashes on TLS with "
                           "OpenSSL 3; terminate TLS in a reverse proxy (see README, 'TLS')",
                           "");
                 }}});
         }},
        {"paths",
         [this, &c](const YAML::Node& n, const std::string& p) {
           auto& d = c.paths;
           map(n, p,
               {{"procfs", text_value(d.procfs, "an absolute path")},
                {"sysfs", text_value(d.sysfs, "an absolute path")},
                {"state_dir", text_value(d.state_dir, "an absolute path")},
                {"kmsg", text_value(d.kmsg, "an absolute path")}});
         }},
        {"log",
         [this, &c](const YAML::Node& n, const std::string& p) {
           map(n, p, {{"level", text_value(c.log.level, "trace, debug, info, warn, error")}});
         }},
    };
    if (!doc.IsMap()) {
      fail_at(position_if_known(doc.Mark()), "top level",
              "expected a map of sections, got " + type_name(doc), key_list(sections));
      return;
    }
    map(doc, "", sections);
  }

 private:
  bool failed() const { return error_.has_value(); }

  void fail_at(std::optional<Position> at, std::string_view path, std::string_view what,
               std::string_view allowed) {
    if (!error_) {
      error_ = config_error(source_, at, path, what, allowed);
    }
  }
  // For something wrong with a value: its position, or its key's when it is null (yaml-cpp puts
  // a null's mark at the next token, often on the next line).
  void fail_value(const std::string& path, std::string_view what, std::string_view allowed) {
    fail_at(locations_.find_value(path), path, what, allowed);
  }

  // Calls fn(key, value, path) for every entry of a map; rejects non-string and duplicate keys
  // (yaml-cpp 0.7 keeps both entries of a duplicated key and looks up the first). A null node
  // is an empty map, so a section whose keys are all commented out is fine.
  template <typename Fn>
  void entries(const YAML::Node& node, const std::string& path, std::string_view allowed, Fn&& fn) {
    if (failed() || node.IsNull()) {
      return;
    }
    if (!node.IsMap()) {
      fail_value(path, "expected a map, got " + type_name(node), allowed);
      return;
    }
    std::map<std::string, Position, std::less<>> seen;
    for (const auto& entry : node) {
      if (failed()) {
        return;
      }
      const YAML::Node& key = entry.first;
      const YAML::Node& value = entry.second;
      const Position key_at = position(key.Mark());
      if (!key.IsScalar()) {
        fail_at(key_at, path.empty() ? "top level" : path, "keys must be strings", allowed);
        return;
      }
      const std::string child = join(path, key.Scalar());
      const auto [first, inserted] = seen.emplace(key.Scalar(), key_at);
      if (!inserted) {
        fail_at(key_at, child,
                "duplicate key (first at line " + std::to_string(first->second.line) + ", column " +
                    std::to_string(first->second.column) + ")",
                "each key once");
        return;
      }
      locations_.set_key(child, key_at);
      if (!value.IsNull()) {
        locations_.set_value(child, position(value.Mark()));
      }
      fn(key.Scalar(), value, child);
    }
  }

  void map(const YAML::Node& node, const std::string& path, std::initializer_list<Field> fields) {
    const std::string allowed = key_list(fields);
    entries(node, path, allowed,
            [&](const std::string& key, const YAML::Node& value, const std::string& child) {
              for (const auto& f : fields) {
                if (f.name == key) {
                  f.handle(value, child);
                  return;
                }
              }
              fail_at(locations_.key(child), child, "unknown key", allowed);
            });
  }

  // Calls fn(item, path) for every item of a list; a null node is an empty list.
  template <typename Fn>
  void items(const YAML::Node& node, const std::string& path, std::string_view allowed, Fn&& fn) {
    if (failed() || node.IsNull()) {
      return;
    }
    if (!node.IsSequence()) {
      fail_value(path, "expected a list, got " + type_name(node), allowed);
      return;
    }
    std::size_t i = 0;
    for (const auto& item : node) {
      const std::string child = path + "[" + std::to_string(i++) + "]";
      if (!item.IsNull()) {
        locations_.set_value(child, position(item.Mark()));
      }
      fn(item, child);
    }
  }

  // The text of a scalar, or an error naming what was expected instead.
  std::optional<std::string> scalar(const YAML::Node& node, const std::string& path,
                                    std::string_view allowed) {
    if (failed()) {
      return std::nullopt;
    }
    if (node.IsNull()) {
      fail_at(locations_.find_key(path), path, "missing value", allowed);
      return std::nullopt;
    }
    if (!node.IsScalar()) {
      fail_value(path, "expected a single value, got " + type_name(node), allowed);
      return std::nullopt;
    }
    return node.Scalar();
  }

  Handler duration(Duration& out) {
    return
        [this, &out](const YAML::Node& n, const std::string& p) { parse_into_duration(n, p, out); };
  }

  void parse_into_duration(const YAML::Node& n, const std::string& p, Duration& out) {
    if (const auto s = scalar(n, p, kDurationSyntax)) {
      if (const auto d = parse_duration(*s)) {
        out = *d;
      } else {
        fail_value(p, "'" + *s + "' is not a duration (or too large)", kDurationSyntax);
      }
    }
  }

  Handler durations(std::vector<Duration>& out) {
    return [this, &out](const YAML::Node& n, const std::string& p) {
      out.clear();  // the file's list replaces the default, it does not extend it
      items(n, p, "a list of durations, e.g. [15m, 1h, 6h]",
            [&](const YAML::Node& item, const std::string& ip) {
              Duration d{};
              parse_into_duration(item, ip, d);
              out.push_back(d);
            });
    };
  }

  Handler bytes(std::uint64_t& out) {
    return [this, &out](const YAML::Node& n, const std::string& p) {
      if (const auto s = scalar(n, p, kSizeSyntax)) {
        if (const auto v = parse_size(*s)) {
          out = *v;
        } else {
          fail_value(p, "'" + *s + "' is not a size (or too large)", kSizeSyntax);
        }
      }
    };
  }

  // The range is checked here too: a value above 2^32 cannot be stored for validate() to see.
  Handler u32(std::uint32_t& out, limits::UintRange range) {
    return [this, &out, range](const YAML::Node& n, const std::string& p) {
      const std::string allowed = describe(range);
      if (const auto s = scalar(n, p, allowed)) {
        const auto v = text::parse_u64(*s);
        if (!v) {
          fail_value(p, "'" + *s + "' is not a whole number", allowed);
        } else if (*v < range.min || *v > range.max ||
                   *v > std::numeric_limits<std::uint32_t>::max()) {
          fail_value(p, *s + " is out of range", allowed);
        } else {
          out = static_cast<std::uint32_t>(*v);
        }
      }
    };
  }

  Handler real(double& out, limits::RealRange range) {
    return [this, &out, range](const YAML::Node& n, const std::string& p) {
      const std::string allowed = describe(range);
      if (const auto s = scalar(n, p, allowed)) {
        if (const auto v = text::parse_decimal(*s)) {
          out = *v;
        } else {
          fail_value(p, "'" + *s + "' is not a number", allowed + ", written like 0.05 or 3");
        }
      }
    };
  }

  // YAML 1.2's booleans only: yaml-cpp would also take yes/no/on/off, which is how "NO" (the
  // country code) becomes false.
  Handler boolean(bool& out) {
    return [this, &out](const YAML::Node& n, const std::string& p) {
      if (const auto s = scalar(n, p, "true, false")) {
        if (*s == "true" || *s == "True" || *s == "TRUE") {
          out = true;
        } else if (*s == "false" || *s == "False" || *s == "FALSE") {
          out = false;
        } else {
          fail_value(p, "'" + *s + "' is not a boolean", "true, false");
        }
      }
    };
  }

  Handler text_value(std::string& out, std::string_view allowed) {
    return [this, &out, allowed](const YAML::Node& n, const std::string& p) {
      if (auto s = scalar(n, p, allowed)) {
        out = std::move(*s);
      }
    };
  }

  Handler optional_string(std::optional<std::string>& out, std::string_view allowed) {
    return [this, &out, allowed](const YAML::Node& n, const std::string& p) {
      if (auto s = scalar(n, p, allowed)) {
        out = std::move(*s);
      }
    };
  }

  Handler strings(std::vector<std::string>& out, std::string_view allowed) {
    return [this, &out, allowed](const YAML::Node& n, const std::string& p) {
      out.clear();
      items(n, p, allowed, [&](const YAML::Node& item, const std::string& ip) {
        if (auto s = scalar(item, ip, allowed)) {
          out.push_back(std::move(*s));
        }
      });
    };
  }

  void matcher(const YAML::Node& n, const std::string& p, Matcher& m) {
    constexpr std::string_view kRegex = "an ECMAScript regex (full match)";
    map(n, p,
        {{"comm", optional_string(m.comm, kRegex)},
         {"exe", optional_string(m.exe, kRegex)},
         {"cmdline", optional_string(m.cmdline, kRegex)},
         {"cgroup", optional_string(m.cgroup, kRegex)}});
  }

  Handler matchers(std::vector<Matcher>& out) {
    return [this, &out](const YAML::Node& n, const std::string& p) {
      out.clear();
      items(n, p, "a list of matchers with keys comm, exe, cmdline, cgroup",
            [&](const YAML::Node& item, const std::string& ip) {
              Matcher m;
              if (item.IsNull()) {
                fail_at(locations_.find_key(ip), ip, "empty matcher", kMatcherKeys);
              }
              matcher(item, ip, m);
              out.push_back(std::move(m));
            });
    };
  }

  Handler cgroup_filters(std::vector<CgroupFilter>& out) {
    return [this, &out](const YAML::Node& n, const std::string& p) {
      out.clear();
      items(n, p, "a list of filters with the key path",
            [&](const YAML::Node& item, const std::string& ip) {
              CgroupFilter f;
              if (item.IsNull()) {
                fail_at(locations_.find_key(ip), ip, "empty filter", "path");
              }
              map(item, ip, {{"path", optional_string(f.path, "a regex over the cgroup path")}});
              out.push_back(std::move(f));
            });
    };
  }

  Handler group_by(GroupBy& out) {
    return [this, &out](const YAML::Node& n, const std::string& p) {
      constexpr std::string_view kAllowed = "comm, unit, cgroup, rules";
      if (const auto s = scalar(n, p, kAllowed)) {
        if (*s == "comm") {
          out = GroupBy::kComm;
        } else if (*s == "unit") {
          out = GroupBy::kUnit;
        } else if (*s == "cgroup") {
          out = GroupBy::kCgroup;
        } else if (*s == "rules") {
          out = GroupBy::kRules;
        } else {
          fail_value(p, "'" + *s + "' is not a grouping", kAllowed);
        }
      }
    };
  }

  Handler group_rules(std::vector<GroupRule>& out) {
    return [this, &out](const YAML::Node& n, const std::string& p) {
      out.clear();
      items(n, p, "a list of rules {match: {...}, name: ...}",
            [&](const YAML::Node& item, const std::string& ip) {
              GroupRule rule;
              if (item.IsNull()) {
                fail_at(locations_.find_key(ip), ip, "empty rule", "match, name");
              }
              map(item, ip,
                  {{"match",
                    [this, &rule](const YAML::Node& mn, const std::string& mp) {
                      if (mn.IsNull()) {
                        fail_at(locations_.key(mp), mp, "empty matcher", kMatcherKeys);
                      }
                      matcher(mn, mp, rule.match);
                    }},
                   {"name", text_value(rule.name, "a name template, e.g. '{unit}' or 'web'")}});
              out.push_back(std::move(rule));
            });
    };
  }

  Handler users(std::vector<std::pair<std::string, std::string>>& out) {
    return [this, &out](const YAML::Node& n, const std::string& p) {
      constexpr std::string_view kAllowed = "a map of user name -> bcrypt hash";
      out.clear();
      entries(n, p, kAllowed,
              [&](const std::string& user, const YAML::Node& value, const std::string& child) {
                if (auto hash = scalar(value, child, "a bcrypt hash such as $2b$10$...")) {
                  out.emplace_back(user, std::move(*hash));
                }
              });
    };
  }

  std::string_view source_;
  Config& config_;
  Locations& locations_;
  std::optional<Error> error_;
};

Result<Config> parse_document(std::string_view yaml_text, std::string_view source) {
  const std::vector<YAML::Node> docs = YAML::LoadAll(std::string(yaml_text));
  Config config;
  Locations locations;
  if (docs.size() > 1) {
    return config_error(source, position_if_known(docs[1].Mark()), "top level",
                        "more than one YAML document", "a single document");
  }
  if (!docs.empty() && !docs[0].IsNull()) {
    Walker walker(source, config, locations);
    walker.root(docs[0]);
    if (auto error = walker.take_error()) {
      return std::move(*error);
    }
  }
  return validate_located(std::move(config), locations, source);
}

Error yaml_error(std::string_view source, const YAML::Exception& e, std::string_view what) {
  std::string detail(source);
  if (const auto at = position_if_known(e.mark)) {
    detail += ":" + std::to_string(at->line) + ":" + std::to_string(at->column);
  }
  detail += ": ";
  detail += what;
  detail += e.msg;
  return malformed(std::move(detail));
}

}  // namespace

Result<Config> parse_config(std::string_view yaml_text, std::string_view source) {
  // yaml-cpp reports syntax errors (and its own depth limit) as exceptions with a mark.
  try {
    return parse_document(yaml_text, source);
  } catch (const YAML::ParserException& e) {
    return yaml_error(source, e, "YAML syntax error: ");
  } catch (const YAML::Exception& e) {
    return yaml_error(source, e, "YAML error: ");
  } catch (const std::exception& e) {
    return malformed(std::string(source) + ": " + e.what());
  }
}

Result<Config> load_config(const std::string& path) {
  std::string text;
  {
    auto fd = open_at(AT_FDCWD, path.c_str(), O_RDONLY);
    if (!fd) {
      return Error{fd.error().kind, "config file " + fd.error().detail};
    }
    const auto read = read_all(fd->get(), text, kMaxConfigBytes, path);
    if (!read) {
      return Error{read.error().kind, "config file " + read.error().detail};
    }
  }
  return parse_config(text, path);
}

}  // namespace lw::config
