#pragma once

// Internal to lib/config: the strict walk over yaml-cpp's node tree. Walker holds the generic
// parts (maps with known keys, lists, scalars, the first error, key positions) and hands out
// Handlers that parse one value into a Config field; yaml_sections.cpp says which keys each
// section has. yaml-cpp throws; parse_config (config.cpp) catches.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "base/result.h"
#include "config/config.h"
#include "config/validate.h"

namespace lw::config {

Position position(const YAML::Mark& mark);
std::optional<Position> position_if_known(const YAML::Mark& mark);
// For "expected a map, got 'abc'".
std::string type_name(const YAML::Node& node);

// The handler of one key: gets the value node and the key's full path.
using Handler = std::function<void(const YAML::Node&, const std::string&)>;
struct Field {
  std::string_view name;
  Handler handle;
};
// The keys for "allowed: ...", without those recognised only to be refused.
std::string key_list(std::initializer_list<Field> fields);

// The first error sticks: later handlers still run but cannot replace it, so no handler needs an
// early return to be correct.
class Walker {
 public:
  Walker(std::string_view source, Locations& locations) : source_(source), locations_(locations) {}

  std::optional<Error> take_error() { return std::move(error_); }
  bool failed() const { return error_.has_value(); }
  const Locations& locations() const { return locations_; }

  void fail_at(std::optional<Position> at, std::string_view path, std::string_view what,
               std::string_view allowed);
  // For something wrong with a value: its position, or its key's when it is null (yaml-cpp puts
  // a null's mark at the next token, often on the next line).
  void fail_value(const std::string& path, std::string_view what, std::string_view allowed);

  // Calls fn(key, value, path) for every entry of a map; rejects non-string and duplicate keys
  // (yaml-cpp 0.7 keeps both entries of a duplicated key and looks up the first). A null node
  // is an empty map, so a section whose keys are all commented out is fine.
  using EntryFn = std::function<void(const std::string&, const YAML::Node&, const std::string&)>;
  void entries(const YAML::Node& node, const std::string& path, std::string_view allowed,
               const EntryFn& fn);
  // A map whose keys are `fields`; any other key is an error.
  void map(const YAML::Node& node, const std::string& path, std::initializer_list<Field> fields);
  // Calls fn(item, path) for every item of a list; a null node is an empty list.
  using ItemFn = std::function<void(const YAML::Node&, const std::string&)>;
  void items(const YAML::Node& node, const std::string& path, std::string_view allowed,
             const ItemFn& fn);
  // The text of a scalar, or an error naming what was expected instead.
  std::optional<std::string> scalar(const YAML::Node& node, const std::string& path,
                                    std::string_view allowed);

  // Handlers for one value each; a list handler replaces the default list, it does not extend it.
  Handler duration(Duration& out);
  Handler durations(std::vector<Duration>& out);
  Handler bytes(std::uint64_t& out);
  Handler u32(std::uint32_t& out, limits::UintRange range);
  Handler real(double& out, limits::RealRange range);
  Handler boolean(bool& out);
  Handler text_value(std::string& out, std::string_view allowed);
  Handler optional_string(std::optional<std::string>& out, std::string_view allowed);
  Handler strings(std::vector<std::string>& out, std::string_view allowed);

 private:
  void parse_into_duration(const YAML::Node& n, const std::string& p, Duration& out);

  std::string_view source_;
  Locations& locations_;
  std::optional<Error> error_;
};

// Walks a whole document (a map of sections) into `config`; defined in yaml_sections.cpp.
void walk_document(Walker& walker, const YAML::Node& doc, Config& config);

}  // namespace lw::config
