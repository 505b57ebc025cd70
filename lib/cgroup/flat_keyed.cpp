#include "cgroup/flat_keyed.h"

#include <string>

namespace lw::cgroup {

Error bad_line(std::string_view file, std::string_view line) {
  std::string detail(file);
  detail += ": bad line '";
  detail += text::sanitize_utf8(line, 80);
  detail += "'";
  return malformed(std::move(detail));
}

Error bad_value(std::string_view file, std::string_view text) {
  std::string detail(file);
  detail += ": bad value '";
  detail += text::sanitize_utf8(single_line(text), 40);
  detail += "'";
  return malformed(std::move(detail));
}

}  // namespace lw::cgroup
