#include "http/html.h"

#include <cstddef>
#include <limits>

#include "base/text.h"

namespace lw::http {

std::string html_escape(std::string_view s) {
  const std::string clean = text::sanitize_utf8(s, std::numeric_limits<std::size_t>::max());
  std::string out;
  out.reserve(clean.size() + clean.size() / 8);
  for (const char c : clean) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

}  // namespace lw::http
