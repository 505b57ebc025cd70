#pragma once

// The tables of the status page, each one <h2> section appended to `out`: leak suspects, top
// processes by private memory, cgroups, crash loops and recent OOM kills. At most kMaxRows rows
// each.

#include <string>

#include "analysis/report.h"

namespace lw::http::status {

// Every suspect resource (memory and FDs separately), highest score first.
void render_suspects(std::string& out, const analysis::Report& report, const std::string& window);
// Tracked processes, largest private memory first.
void render_top(std::string& out, const analysis::Report& report, const std::string& window);
void render_cgroups(std::string& out, const analysis::Report& report, const std::string& window);
// Crash-looping groups, each with its ended instances (newest first) and how they died.
void render_crash_loops(std::string& out, const analysis::Report& report);
// Newest first.
void render_oom(std::string& out, const analysis::Report& report);

}  // namespace lw::http::status
