#pragma once

// HTML text for the pages lib/http serves.

#include <string>
#include <string_view>

namespace lw::http {

// Escapes & < > " ' and replaces invalid UTF-8 and control characters, so the result is safe both
// as element text and inside a quoted attribute.
std::string html_escape(std::string_view s);

}  // namespace lw::http
