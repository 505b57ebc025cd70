#include "cgroup/flat_keyed.h"

#include <string>

#include "base/text.h"

namespace lw::cgroup {

Error bad_value(std::string_view file, std::string_view text) {
  std::string detail(file);
  detail += ": bad value '";
  detail += text::sanitize_utf8(single_line(text), 40);
  detail += "'";
  return malformed(std::move(detail));
}

Result<std::uint64_t> parse_single_u64(std::string_view text, std::string_view file) {
  const auto value = text::parse_u64(single_line(text));
  if (!value) {
    return bad_value(file, text);
  }
  return *value;
}

}  // namespace lw::cgroup
