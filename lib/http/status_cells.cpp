#include "http/status_cells.h"

#include <cmath>

#include <fmt/core.h>

#include "format/bytes.h"
#include "format/duration.h"
#include "format/sparkline.h"
#include "format/utc_time.h"
#include "http/html.h"

namespace lw::http::status {
namespace {

constexpr std::string_view kAbsent = "–";
constexpr double kLatestPlausibleTime = 4e10;  // about year 3237: beyond it is garbage

}  // namespace

std::string fixed(double value, int decimals) {
  return fmt::format("{:.{}f}", value, decimals);
}

std::string bytes_cell(double bytes) {
  return std::isfinite(bytes) ? format::bytes(bytes) : std::string(kAbsent);
}

std::string bytes_cell(const std::optional<std::uint64_t>& bytes) {
  return bytes ? format::bytes(static_cast<double>(*bytes)) : std::string(kAbsent);
}

std::string count_cell(const std::optional<std::uint64_t>& count) {
  return count ? std::to_string(*count) : std::string(kAbsent);
}

std::string byte_rate_cell(const std::optional<double>& bytes_per_second) {
  if (!bytes_per_second || !std::isfinite(*bytes_per_second)) {
    return std::string(kAbsent);
  }
  return format::byte_rate_per_hour(*bytes_per_second);
}

std::string count_rate_cell(const std::optional<double>& per_second) {
  if (!per_second || !std::isfinite(*per_second)) {
    return std::string(kAbsent);
  }
  const double per_hour = *per_second * 3600;
  return fmt::format("{}{:.1f}/h", per_hour > 0 ? "+" : "", per_hour);
}

std::string duration_cell(double seconds) {
  // format::duration spells "more than 30 years" with a '>'.
  return std::isfinite(seconds) ? html_escape(format::duration(seconds)) : std::string(kAbsent);
}

std::string duration_cell(const std::optional<double>& seconds) {
  return seconds ? duration_cell(*seconds) : std::string(kAbsent);
}

std::string time_cell(double wall_seconds) {
  if (!std::isfinite(wall_seconds) || wall_seconds <= 0 || wall_seconds > kLatestPlausibleTime) {
    return std::string(kAbsent);
  }
  return format::utc_time(wall_seconds) + " UTC";
}

std::optional<double> pick_rate(std::span<const analysis::WindowRate> rates,
                                std::string_view window, bool fds) {
  const analysis::WindowRate* chosen = rates.empty() ? nullptr : &rates.back();
  for (const analysis::WindowRate& r : rates) {
    if (r.window == window) {
      chosen = &r;
      break;
    }
  }
  if (chosen == nullptr) {
    return std::nullopt;
  }
  return fds ? chosen->fds_per_second : chosen->bytes_per_second;
}

std::string rate_window(const analysis::Report& report) {
  for (const std::string& w : report.windows) {
    if (w == "1h") {
      return w;
    }
  }
  return report.windows.empty() ? "1h" : report.windows.back();
}

std::string sparkline_cell(const std::vector<analysis::HistoryPoint>& history) {
  std::vector<format::TimePoint> points;
  points.reserve(history.size());
  for (const analysis::HistoryPoint& p : history) {
    points.push_back({.t = p.t, .v = p.v});
  }
  return format::svg_sparkline(points).value_or("<span class=\"muted\">–</span>");
}

std::string pattern_badge(std::string_view pattern, bool suspect) {
  if (pattern.empty()) {
    return "<span class=\"muted\">not judged</span>";
  }
  const std::string_view cls =
      suspect ? "badge bad" : (pattern == "growing" || pattern == "leak" ? "badge warn" : "badge");
  return fmt::format("<span class=\"{}\">{}</span>", cls, html_escape(pattern));
}

std::string time_to_limit(const analysis::ResourceVerdict& verdict) {
  if (!verdict.seconds_to_limit) {
    return std::string(kAbsent);
  }
  std::string out = duration_cell(*verdict.seconds_to_limit);
  if (!verdict.limit_kind.empty()) {
    out += fmt::format(" <span class=\"muted\">({})</span>", html_escape(verdict.limit_kind));
  }
  return out;
}

std::string cgroup_cell(std::string_view unit, std::string_view cgroup) {
  if (!unit.empty()) {
    return fmt::format("<span title=\"{}\">{}</span>", html_escape(cgroup), html_escape(unit));
  }
  return fmt::format("<span class=\"path\">{}</span>", html_escape(cgroup));
}

std::string pid_link(std::int32_t pid) {
  return fmt::format("<a href=\"/process/{0}\">{0}</a>", pid);
}

void card(std::string& out, std::string_view key, const std::string& value_html,
          const std::string& sub_html) {
  out += R"(<div class="card"><div class="k">)";
  out += key;
  out += "</div><div class=\"v\">" + value_html + "</div>";
  if (!sub_html.empty()) {
    out += "<div class=\"muted\">" + sub_html + "</div>";
  }
  out += "</div>";
}

}  // namespace lw::http::status
