#include "http/process_page.h"

#include <algorithm>
#include <array>
#include <string_view>

#include <fmt/core.h>

#include "analysis/growth.h"
#include "format/bytes.h"
#include "format/svg_chart.h"
#include "http/html.h"
#include "http/process_evidence.h"
#include "http/status_cells.h"
#include "http/status_style.h"

namespace lw::http {
namespace {

using analysis::HistoryPoint;
using analysis::ProcessReport;
using analysis::Report;
using status::bytes_cell;
using status::card;
using status::count_cell;
using status::duration_cell;
using status::time_cell;

// The page's own additions to the status page's CSS.
constexpr std::string_view kPageStyle =
    "svg.chart{display:block;max-width:100%;height:auto;margin:.4rem 0 1rem}"
    "h3{font-size:.95rem;margin:1.2rem 0 .4rem}"
    ".why td:first-child{width:1.5rem;text-align:center}"
    ".yes{color:var(--ok)}.no{color:var(--bad)}"
    "table.narrow{width:auto}";

constexpr std::string_view kPrivateColor = "#2f6fdf";
constexpr std::string_view kRssColor = "#16a34a";
constexpr std::string_view kPssColor = "#9333ea";
constexpr std::string_view kFloorColor = "#6b7480";
constexpr std::string_view kFdColor = "#dc2626";

std::string page_head(std::string_view title) {
  std::string out =
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
      "<meta http-equiv=\"refresh\" content=\"30\"><title>";
  out += title;
  out += "</title><style>";
  out += status::kStyle;
  out += kPageStyle;
  out += "</style></head><body><nav class=\"muted\"><a href=\"/\">← leakwatch status</a></nav>";
  return out;
}

std::vector<format::TimePoint> to_points(const std::vector<HistoryPoint>& history) {
  std::vector<format::TimePoint> out;
  out.reserve(history.size());
  for (const HistoryPoint& p : history) {
    out.push_back({.t = p.t, .v = p.v});
  }
  return out;
}

// The floor of the private memory as classify.h defines it, over the charted span.
std::vector<format::TimePoint> floor_points(const std::vector<HistoryPoint>& history) {
  std::vector<analysis::Sample> samples;
  samples.reserve(history.size());
  for (const HistoryPoint& p : history) {
    samples.push_back({p.t, p.v});
  }
  std::vector<format::TimePoint> out;
  for (const analysis::Sample& s : analysis::floor_series(samples)) {
    out.push_back({.t = s.t, .v = s.v});
  }
  return out;
}

std::optional<format::ChartMarker> regime_marker(const analysis::ResourceVerdict& v) {
  if (!v.regime_since_seconds) {
    return std::nullopt;
  }
  return format::ChartMarker{.t = *v.regime_since_seconds,
                             .label = "current regime (" + v.regime_change + ")"};
}

void render_identity(std::string& out, const ProcessReport& p, double now) {
  out += "<h1>" + html_escape(p.comm) + " <span class=\"muted\">pid " + std::to_string(p.id.pid) +
         "</span></h1><dl>";
  const auto row = [&](std::string_view k, const std::string& v_html) {
    out += "<dt>";
    out += k;
    out += "</dt><dd>" + v_html + "</dd>";
  };
  row("Group", html_escape(p.group));
  row("Unit / cgroup", p.unit.empty() ? status::cgroup_cell(p.unit, p.cgroup)
                                      : html_escape(p.unit) + " <span class=\"path\">" +
                                            html_escape(p.cgroup) + "</span>");
  row("Parent", std::to_string(p.ppid));
  row("User", p.uid ? std::to_string(*p.uid) : std::string("–"));
  row("Started",
      time_cell(p.start_time_seconds) + " (" + duration_cell(now - p.start_time_seconds) + " ago)");
  row("Tracked", p.tracked ? std::string("yes: exported per process, history kept")
                           : std::string("no: not among the tracked processes"));
  row("Sibling outlier", p.sibling_outlier ? "yes" : "no");
  out += "</dl>";
}

void render_now(std::string& out, const ProcessReport& p, double now) {
  out += "<h2>Now</h2><div class=\"cards\">";
  card(out, "Private (anon + swap)", bytes_cell(p.private_bytes()));
  card(out, "RSS", bytes_cell(p.rss_bytes),
       "file " + bytes_cell(p.file_bytes) + ", shmem " + bytes_cell(p.shmem_bytes));
  card(out, "PSS", bytes_cell(p.pss_bytes),
       p.pss_sampled_at ? "read " + duration_cell(now - *p.pss_sampled_at) + " ago"
                        : std::string("smaps_rollup not read"));
  card(out, "USS", bytes_cell(p.uss_bytes));
  card(out, "Swap", bytes_cell(p.swap_bytes));
  card(out, "Open FDs", count_cell(p.open_fds), "limit " + count_cell(p.max_fds));
  out += "</div>";
}

void render_charts(std::string& out, const ProcessReport& p) {
  out += "<h2>History</h2>";
  if (!p.charts ||
      (p.charts->private_bytes.empty() && p.charts->rss_bytes.empty() && p.charts->fds.empty())) {
    out +=
        "<p class=\"muted\">No history in the report: only tracked processes (the largest by "
        "private memory, include rules, suspects and sibling outliers) keep theirs.</p>";
    return;
  }
  const auto private_points = to_points(p.charts->private_bytes);
  const auto rss_points = to_points(p.charts->rss_bytes);
  const auto pss_points = to_points(p.charts->pss_bytes);
  const auto floor = floor_points(p.charts->private_bytes);
  // Private last: it is the series the verdict is about, so it is drawn on top.
  const std::array<format::ChartSeries, 4> memory{{
      {.name = "RSS", .color = std::string(kRssColor), .points = rss_points},
      {.name = "PSS", .color = std::string(kPssColor), .points = pss_points},
      {.name = "floor of private",
       .color = std::string(kFloorColor),
       .points = floor,
       .dashed = true},
      {.name = "private", .color = std::string(kPrivateColor), .points = private_points},
  }};
  format::ChartOptions options{.title = "memory of " + p.comm,
                               .format_value = [](double v) { return format::bytes(v); },
                               .marker = regime_marker(p.memory)};
  out += "<h3>Memory</h3>" + format::svg_line_chart(memory, options);
  const auto fd_points = to_points(p.charts->fds);
  const std::array<format::ChartSeries, 1> fds{
      {{.name = "open FDs", .color = std::string(kFdColor), .points = fd_points}}};
  options.title = "open FDs of " + p.comm;
  options.height = 150;
  options.format_value = [](double v) { return fmt::format("{:.4g}", v); };
  options.marker = regime_marker(p.fds);
  out += "<h3>Open file descriptors</h3>" + format::svg_line_chart(fds, options);
}

const ProcessReport* find_live(const Report& report, std::int32_t pid) {
  for (const ProcessReport& p : report.processes) {
    if (p.id.pid == pid && p.alive) {
      return &p;
    }
  }
  return nullptr;
}

}  // namespace

std::optional<CrashLoopView> crash_loop_view(const analysis::Report& report,
                                             const analysis::ProcessReport& p) {
  const auto group =
      std::find_if(report.groups.begin(), report.groups.end(),
                   [&](const analysis::GroupReport& g) { return g.name == p.group; });
  if (group == report.groups.end() || (group->deaths.empty() && !group->crash_loop)) {
    return std::nullopt;
  }
  CrashLoopView view{.group = group->name, .suspect = group->crash_loop, .instances = {}};
  for (const analysis::InstanceDeath& d : group->deaths) {
    view.instances.push_back({.pid = d.pid,
                              .started_at = d.start_seconds,
                              .ended_at = d.end_seconds,
                              .end_cause = analysis::death_cause_name(d.cause),
                              .peak_private_bytes = d.peak_private_bytes,
                              .pattern = d.pattern});
  }
  // This process: the instance running now.
  view.instances.push_back({.pid = p.id.pid,
                            .started_at = p.start_time_seconds,
                            .ended_at = std::nullopt,
                            .end_cause = "",
                            .peak_private_bytes = std::nullopt,
                            .pattern = p.memory.pattern});
  return view;
}

std::optional<std::string> render_process_page(const Report& report, std::int32_t pid,
                                               double now_wall_seconds,
                                               const ProcessPageExtras& extras) {
  const ProcessReport* found = find_live(report, pid);
  if (found == nullptr) {
    return std::nullopt;
  }
  const ProcessReport& p = *found;
  std::string out;
  out.reserve(std::size_t{96} * 1024);
  out += page_head(html_escape(p.comm) + " (" + std::to_string(pid) + ") — leakwatch");
  render_identity(out, p, now_wall_seconds);
  out += "<p class=\"muted\">Report from " + time_cell(report.generated_at) + " (" +
         duration_cell(now_wall_seconds - report.generated_at) +
         " ago). <a href=\"/api/v1/processes/" + std::to_string(pid) + "\">JSON</a></p>";
  render_now(out, p, now_wall_seconds);
  render_charts(out, p);
  out += "<h2>Verdict</h2>";
  process::render_evidence(out, report, p, process::Resource::kMemory, now_wall_seconds);
  process::render_evidence(out, report, p, process::Resource::kFds, now_wall_seconds);
  process::render_time_to_limit(out, p);
  std::optional<HeadroomView> headroom = extras.headroom;
  if (!headroom && p.memory.headroom) {
    headroom = headroom_view(*p.memory.headroom, p.memory.seconds_to_limit);
  }
  out += render_headroom_section(headroom);
  std::optional<CrashLoopView> crash_loop = extras.crash_loop;
  if (!crash_loop) {
    crash_loop = crash_loop_view(report, p);
  }
  out += render_crash_loop_section(crash_loop);
  out += "</body></html>\n";
  return out;
}

std::string render_process_error_page(int status, const std::string& message) {
  std::string out = page_head(std::to_string(status) + " — leakwatch");
  out += "<h1>" + std::to_string(status) + "</h1><p>" + html_escape(message) + "</p>";
  out += "<p><a href=\"/\">Back to the status page</a></p></body></html>\n";
  return out;
}

}  // namespace lw::http
