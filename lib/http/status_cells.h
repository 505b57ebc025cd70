#pragma once

// One value of the report -> the HTML of one status-page cell. Absent values are an en dash
// ("–"), never 0; numbers are spelled by lib/format, so the page, `--once` and `--analyze` agree.
// Everything taken from the report is escaped here.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "analysis/report.h"

namespace lw::http::status {

inline constexpr std::size_t kMaxRows = 50;
inline constexpr std::size_t kMaxOomRows = 20;

std::string bytes_cell(double bytes);
std::string bytes_cell(const std::optional<std::uint64_t>& bytes);
std::string count_cell(const std::optional<std::uint64_t>& count);
// Growth is stored per second; people read leaks per hour.
std::string byte_rate_cell(const std::optional<double>& bytes_per_second);
std::string count_rate_cell(const std::optional<double>& per_second);
std::string duration_cell(double seconds);
std::string duration_cell(const std::optional<double>& seconds);
// "YYYY-MM-DD HH:MM:SS UTC"; 0 (unknown) and implausible times are "–".
std::string time_cell(double wall_seconds);
std::string fixed(double value, int decimals);

// The rate for `window`, or the longest window when that one is not configured.
std::optional<double> pick_rate(std::span<const analysis::WindowRate> rates,
                                std::string_view window, bool fds = false);
// The window the page shows rates for: "1h" when configured, else the longest.
std::string rate_window(const analysis::Report& report);

// An inline SVG sparkline of the history, or a muted dash when there is nothing to draw.
std::string sparkline_cell(const std::vector<analysis::HistoryPoint>& history);
std::string pattern_badge(std::string_view pattern, bool suspect);
std::string time_to_limit(const analysis::ResourceVerdict& verdict);
// The unit's name with the cgroup path as its tooltip, or the path itself.
std::string cgroup_cell(std::string_view unit, std::string_view cgroup);
// A card of the status and process pages: a small key, a big value, an optional muted line.
void card(std::string& out, std::string_view key, const std::string& value_html,
          const std::string& sub_html = {});
// The pid, linked to its page (/process/{pid}).
std::string pid_link(std::int32_t pid);

}  // namespace lw::http::status
