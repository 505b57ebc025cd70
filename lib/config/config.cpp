// parse_config and load_config: YAML text -> Config. The walk over yaml-cpp's node tree is in
// yaml_walker.cpp (generic) and yaml_sections.cpp (the keys of each section); validate.cpp then
// checks ranges with the positions the walk recorded. Only lib/config includes yaml-cpp.
// yaml-cpp throws; nothing escapes parse_config or load_config.

#include "config/config.h"

#include <cstddef>
#include <exception>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fcntl.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include "base/fd.h"
#include "config/validate.h"
#include "config/yaml_walker.h"

namespace lw::config {

namespace {

// A config file is a few KiB; the bound only stops a wrong path (a device, a huge log) early.
constexpr std::size_t kMaxConfigBytes = std::size_t{1} << 20;

// yaml-cpp 0.7's LoadAll() loops for ever, allocating, on some malformed input ("," alone:
// jbeder/yaml-cpp#1040, fixed upstream after 0.8 by #1319): the parser keeps reporting an empty
// document without consuming the token it cannot handle. So LoadAll() is not used: this handler
// sees where each document's root starts, HandleNextDocument() runs at most twice, and YAML::Load()
// builds the first document. A second document that starts where the first did consumed nothing: a
// syntax error there. (Found by tests/fuzz/config.cpp; regression: tests/config "a lone ','".)
class DocumentRoots final : public YAML::EventHandler {
 public:
  std::vector<YAML::Mark> marks;  // where each document's root node starts

  void OnDocumentStart(const YAML::Mark&) override { in_root_ = true; }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& mark, YAML::anchor_t) override { node(mark); }
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t) override { node(mark); }
  void OnScalar(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                const std::string&) override {
    node(mark);
  }
  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {
    node(mark);
  }
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {
    node(mark);
  }
  void OnMapEnd() override {}

 private:
  void node(const YAML::Mark& mark) {
    if (in_root_) {
      marks.push_back(mark);
      in_root_ = false;
    }
  }
  bool in_root_ = false;
};

// Where a second document's root starts, if there is one.
std::optional<YAML::Mark> second_document(const std::string& text, bool& consumed_nothing) {
  std::istringstream in(text);
  YAML::Parser parser(in);
  DocumentRoots roots;
  for (int i = 0; i < 2 && parser.HandleNextDocument(roots); ++i) {
  }
  if (roots.marks.size() < 2) {
    return std::nullopt;
  }
  consumed_nothing = roots.marks[1].pos == roots.marks[0].pos;
  return roots.marks[1];
}

Result<Config> parse_document(std::string_view yaml_text, std::string_view source) {
  const std::string text(yaml_text);
  Config config;
  Locations locations;
  bool consumed_nothing = false;
  if (const auto second = second_document(text, consumed_nothing)) {
    if (consumed_nothing) {
      throw YAML::ParserException(*second, "unexpected character");
    }
    return config_error(source, position_if_known(*second), "top level",
                        "more than one YAML document", "a single document");
  }
  const YAML::Node doc = YAML::Load(text);
  if (!doc.IsNull()) {
    Walker walker(source, locations);
    walk_document(walker, doc, config);
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
