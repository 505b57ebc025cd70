// parse_config and load_config: YAML text -> Config. The walk over yaml-cpp's node tree is in
// yaml_walker.cpp (generic) and yaml_sections.cpp (the keys of each section); validate.cpp then
// checks ranges with the positions the walk recorded. Only lib/config includes yaml-cpp.
// yaml-cpp throws; nothing escapes parse_config or load_config.

#include "config/config.h"

#include <cstddef>
#include <exception>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fcntl.h>
#include <yaml-cpp/yaml.h>

#include "base/fd.h"
#include "config/validate.h"
#include "config/yaml_walker.h"

namespace lw::config {

namespace {

// A config file is a few KiB; the bound only stops a wrong path (a device, a huge log) early.
constexpr std::size_t kMaxConfigBytes = std::size_t{1} << 20;

Result<Config> parse_document(std::string_view yaml_text, std::string_view source) {
  const std::vector<YAML::Node> docs = YAML::LoadAll(std::string(yaml_text));
  Config config;
  Locations locations;
  if (docs.size() > 1) {
    return config_error(source, position_if_known(docs[1].Mark()), "top level",
                        "more than one YAML document", "a single document");
  }
  if (!docs.empty() && !docs[0].IsNull()) {
    Walker walker(source, locations);
    walk_document(walker, docs[0], config);
    if (auto error = walker.take_error()) {
      return std::move(*error);
    }
  }
  return validate_located(std::move(config), locations, source);
}

Error yaml_error(std::string_view source, const YAML::Exception& e, std::string_view what) {
  std::string detail(source);
  if (const auto at = position_if_known(e.mark)) {
    // Appended piece by piece: `":" + std::to_string(...)` trips GCC 12's -O3 -Wrestrict.
    detail += ':';
    detail += std::to_string(at->line);
    detail += ':';
    detail += std::to_string(at->column);
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
