// The generic half of the YAML walk: maps with known keys, lists, scalars and the value parsers
// (durations, sizes, numbers, booleans, text). Which keys exist is in yaml_sections.cpp.

#include "config/yaml_walker.h"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "base/text.h"

namespace lw::config {

namespace {

std::string join(std::string_view path, std::string_view key) {
  if (path.empty()) {
    return std::string(key);
  }
  std::string out(path);
  out += '.';
  out += key;
  return out;
}

}  // namespace

Position position(const YAML::Mark& mark) {
  return Position{mark.line + 1, mark.column + 1};
}

std::optional<Position> position_if_known(const YAML::Mark& mark) {
  if (mark.is_null() || mark.line < 0 || mark.column < 0) {
    return std::nullopt;
  }
  return position(mark);
}

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

void Walker::fail_at(std::optional<Position> at, std::string_view path, std::string_view what,
                     std::string_view allowed) {
  if (!error_) {
    error_ = config_error(source_, at, path, what, allowed);
  }
}

void Walker::fail_value(const std::string& path, std::string_view what, std::string_view allowed) {
  fail_at(locations_.find_value(path), path, what, allowed);
}

void Walker::entries(const YAML::Node& node, const std::string& path, std::string_view allowed,
                     const EntryFn& fn) {
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

void Walker::map(const YAML::Node& node, const std::string& path,
                 std::initializer_list<Field> fields) {
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

void Walker::items(const YAML::Node& node, const std::string& path, std::string_view allowed,
                   const ItemFn& fn) {
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

std::optional<std::string> Walker::scalar(const YAML::Node& node, const std::string& path,
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

Handler Walker::duration(Duration& out) {
  return
      [this, &out](const YAML::Node& n, const std::string& p) { parse_into_duration(n, p, out); };
}

void Walker::parse_into_duration(const YAML::Node& n, const std::string& p, Duration& out) {
  if (const auto s = scalar(n, p, kDurationSyntax)) {
    if (const auto d = parse_duration(*s)) {
      out = *d;
    } else {
      fail_value(p, "'" + *s + "' is not a duration (or too large)", kDurationSyntax);
    }
  }
}

Handler Walker::durations(std::vector<Duration>& out) {
  return [this, &out](const YAML::Node& n, const std::string& p) {
    out.clear();
    items(n, p, "a list of durations, e.g. [15m, 1h, 6h]",
          [&](const YAML::Node& item, const std::string& ip) {
            Duration d{};
            parse_into_duration(item, ip, d);
            out.push_back(d);
          });
  };
}

Handler Walker::bytes(std::uint64_t& out) {
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
Handler Walker::u32(std::uint32_t& out, limits::UintRange range) {
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

Handler Walker::real(double& out, limits::RealRange range) {
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
Handler Walker::boolean(bool& out) {
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

Handler Walker::text_value(std::string& out, std::string_view allowed) {
  return [this, &out, allowed](const YAML::Node& n, const std::string& p) {
    if (auto s = scalar(n, p, allowed)) {
      out = std::move(*s);
    }
  };
}

Handler Walker::optional_string(std::optional<std::string>& out, std::string_view allowed) {
  return [this, &out, allowed](const YAML::Node& n, const std::string& p) {
    if (auto s = scalar(n, p, allowed)) {
      out = std::move(*s);
    }
  };
}

Handler Walker::strings(std::vector<std::string>& out, std::string_view allowed) {
  return [this, &out, allowed](const YAML::Node& n, const std::string& p) {
    out.clear();
    items(n, p, allowed, [&](const YAML::Node& item, const std::string& ip) {
      if (auto s = scalar(item, ip, allowed)) {
        out.push_back(std::move(*s));
      }
    });
  };
}

}  // namespace lw::config
