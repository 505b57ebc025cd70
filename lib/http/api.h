#pragma once

// The JSON documents behind /api/v1/*, rendered from one immutable Report (no I/O). Absent
// readings are null, never 0; rates are keyed by analysis window ("15m", "1h", ...).
//   /api/v1/processes        render_processes_json: every process, without history
//   /api/v1/processes/{pid}  render_process_json: the live process with that pid, with history
//   /api/v1/cgroups          render_cgroups_json: exported cgroups, with history
//   /api/v1/oom-kills        render_oom_kills_json: recorded OOM kills, oldest first, with history
//   /api/v1/groups           render_groups_json: per-group totals, crash-loop flag and deaths
// render_report_json is the whole report in one object (for `leakwatchd --once --format json`).

#include <cstdint>
#include <optional>
#include <string>

#include "analysis/report.h"

namespace lw::http {

std::string render_processes_json(const analysis::Report& report);
// nullopt when no live process has that pid.
std::optional<std::string> render_process_json(const analysis::Report& report, std::int32_t pid);
std::string render_cgroups_json(const analysis::Report& report);
std::string render_oom_kills_json(const analysis::Report& report);
std::string render_groups_json(const analysis::Report& report);
std::string render_report_json(const analysis::Report& report);

}  // namespace lw::http
