#include "http/html.h"

#include "base/text.h"

namespace lw::http {

std::string html_escape(std::string_view s) {
  return text::markup_escape(s);
}

}  // namespace lw::http
