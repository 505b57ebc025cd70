// Where a key sits in the file and the error text that names it: "<source>:<line>:<col>: <key
// path>: <what>, allowed: <range>", with the ranges written out the same way everywhere.

#include <array>
#include <charconv>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

#include "config/config.h"
#include "config/validate.h"

namespace lw::config {

namespace {

// Strips the last component: "a.b[2].c" -> "a.b[2]" -> "a.b" -> "a" -> "".
std::string_view parent_path(std::string_view path) {
  const auto cut = path.find_last_of(".[");
  return cut == std::string_view::npos ? std::string_view{} : path.substr(0, cut);
}

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

}  // namespace lw::config
