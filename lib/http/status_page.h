#pragma once

// The human status page served at "/": one self-contained HTML document (inline CSS, inline SVG
// sparklines, no scripts, no external assets) rendered from one immutable Report. Every string
// that comes from the report (process names are attacker-controlled) goes through html_escape.
// The page is built from status_cells (one value -> one cell), status_tables (the process,
// cgroup and OOM tables) and status_style (the CSS).

#include <string>

#include "analysis/report.h"
#include "http/health.h"
#include "http/html.h"

namespace lw::http {

// `now_wall_seconds` (seconds since the epoch) is used only for ages ("last scan 4 s ago").
std::string render_status_page(const analysis::Report& report, const Health& health,
                               double now_wall_seconds);

}  // namespace lw::http
