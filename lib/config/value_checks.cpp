// Shape checks on single values that validate.cpp applies; pure functions, tested through
// validate().

#include "config/value_checks.h"

#include <algorithm>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "base/text.h"

namespace lw::config {

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

}  // namespace lw::config
