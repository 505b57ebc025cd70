#pragma once

// The human status page served at "/": one self-contained HTML document (inline CSS, inline SVG
// sparklines, no scripts, no external assets) rendered from one immutable Report. Every string
// that comes from the report (process names are attacker-controlled) goes through html_escape.

#include <string>
#include <string_view>

#include "analysis/report.h"
#include "http/health.h"

namespace lw::http {

// Escapes & < > " ' and replaces invalid UTF-8 and control characters, so the result is safe both
// as element text and inside a quoted attribute.
std::string html_escape(std::string_view s);

// `now_wall_seconds` (seconds since the epoch) is used only for ages ("last scan 4 s ago").
std::string render_status_page(const analysis::Report& report, const Health& health,
                               double now_wall_seconds);

}  // namespace lw::http
