#include "http/status_page.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <ctime>
#include <limits>
#include <optional>
#include <vector>

#include "base/text.h"

namespace lw::http {
namespace {

using analysis::CgroupReport;
using analysis::HistoryPoint;
using analysis::OomEvent;
using analysis::ProcessReport;
using analysis::Report;
using analysis::WindowRate;

constexpr std::size_t kMaxRows = 50;
constexpr std::size_t kMaxOomRows = 20;
constexpr std::size_t kMaxSparkPoints = 120;

std::string fixed(double v, int precision) {
  std::array<char, 64> buf{};
  const auto [ptr, ec] =
      std::to_chars(buf.begin(), buf.end(), v, std::chars_format::fixed, precision);
  if (ec != std::errc{}) {
    return "?";
  }
  return {buf.data(), ptr};
}

std::string format_bytes(double bytes) {
  if (!std::isfinite(bytes)) {
    return "–";
  }
  static constexpr std::array<const char*, 7> kUnits = {"B",   "KiB", "MiB", "GiB",
                                                        "TiB", "PiB", "EiB"};
  const bool negative = bytes < 0;
  double v = std::fabs(bytes);
  std::size_t unit = 0;
  while (v >= 1024 && unit + 1 < kUnits.size()) {
    v /= 1024;
    ++unit;
  }
  return std::string(negative ? "-" : "") + (unit == 0 ? fixed(v, 0) : fixed(v, 1)) + " " +
         kUnits[unit];
}

std::string format_bytes(const std::optional<std::uint64_t>& bytes) {
  return bytes ? format_bytes(static_cast<double>(*bytes)) : "–";
}

// Growth is stored per second; people read leaks per hour.
std::string format_rate(const std::optional<double>& bytes_per_second) {
  if (!bytes_per_second || !std::isfinite(*bytes_per_second)) {
    return "–";
  }
  const double per_hour = *bytes_per_second * 3600;
  return std::string(per_hour > 0 ? "+" : "") + format_bytes(per_hour) + "/h";
}

std::string format_count_rate(const std::optional<double>& per_second) {
  if (!per_second || !std::isfinite(*per_second)) {
    return "–";
  }
  const double per_hour = *per_second * 3600;
  return std::string(per_hour > 0 ? "+" : "") + fixed(per_hour, 1) + "/h";
}

std::string format_duration(double seconds) {
  if (!std::isfinite(seconds)) {
    return "–";
  }
  if (seconds < 0) {
    return "-" + format_duration(-seconds);
  }
  if (seconds >= 1e9) {
    return "&gt;30y";
  }
  const auto s = static_cast<std::uint64_t>(seconds);
  const std::uint64_t days = s / 86400;
  const std::uint64_t hours = (s % 86400) / 3600;
  const std::uint64_t minutes = (s % 3600) / 60;
  const std::uint64_t secs = s % 60;
  if (days > 0) {
    return std::to_string(days) + "d " + std::to_string(hours) + "h";
  }
  if (hours > 0) {
    return std::to_string(hours) + "h " + std::to_string(minutes) + "m";
  }
  if (minutes > 0) {
    return std::to_string(minutes) + "m " + std::to_string(secs) + "s";
  }
  if (seconds < 10 && seconds > 0) {
    return fixed(seconds, 1) + "s";
  }
  return std::to_string(secs) + "s";
}

std::string format_duration(const std::optional<double>& seconds) {
  return seconds ? format_duration(*seconds) : "–";
}

std::string format_time(double wall_seconds) {
  if (!std::isfinite(wall_seconds) || wall_seconds <= 0 || wall_seconds > 4e10) {
    return "–";
  }
  const auto t = static_cast<std::time_t>(wall_seconds);
  std::tm tm{};
  if (gmtime_r(&t, &tm) == nullptr) {
    return "–";
  }
  std::array<char, 32> buf{};
  const std::size_t n = std::strftime(buf.data(), buf.size(), "%Y-%m-%d %H:%M:%S UTC", &tm);
  return n == 0 ? "–" : std::string(buf.data(), n);
}

std::string format_count(const std::optional<std::uint64_t>& v) {
  return v ? std::to_string(*v) : "–";
}

// The rate for `window`, or the longest window when that one is not configured.
std::optional<double> pick_rate(const std::vector<WindowRate>& rates, std::string_view window,
                                bool fds = false) {
  const WindowRate* chosen = rates.empty() ? nullptr : &rates.back();
  for (const WindowRate& r : rates) {
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

std::string rate_window(const Report& report) {
  for (const std::string& w : report.windows) {
    if (w == "1h") {
      return w;
    }
  }
  return report.windows.empty() ? "1h" : report.windows.back();
}

// An inline SVG polyline of the history, scaled to its own min..max.
std::string sparkline(const std::vector<HistoryPoint>& history) {
  std::vector<HistoryPoint> points;
  const std::size_t stride = history.size() / kMaxSparkPoints + 1;
  for (std::size_t i = 0; i < history.size(); i += stride) {
    if (std::isfinite(history[i].t) && std::isfinite(history[i].v)) {
      points.push_back(history[i]);
    }
  }
  if (!history.empty() && stride > 1 && std::isfinite(history.back().t) &&
      std::isfinite(history.back().v)) {
    points.push_back(history.back());
  }
  if (points.size() < 2) {
    return "<span class=\"muted\">–</span>";
  }
  double t0 = points.front().t;
  double t1 = points.front().t;
  double lo = points.front().v;
  double hi = points.front().v;
  for (const HistoryPoint& p : points) {
    t0 = std::min(t0, p.t);
    t1 = std::max(t1, p.t);
    lo = std::min(lo, p.v);
    hi = std::max(hi, p.v);
  }
  constexpr double kWidth = 120;
  constexpr double kHeight = 24;
  std::string out = R"(<svg class="spark" width="120" height="24" viewBox="0 0 120 24" role="img" )"
                    R"(aria-label="history from )";
  out += format_bytes(lo) + " to " + format_bytes(hi);
  out += R"("><polyline fill="none" stroke="currentColor" stroke-width="1.5" points=")";
  bool first = true;
  for (const HistoryPoint& p : points) {
    const double x = t1 > t0 ? 1 + (p.t - t0) / (t1 - t0) * (kWidth - 2) : kWidth / 2;
    const double y = hi > lo ? (kHeight - 1) - (p.v - lo) / (hi - lo) * (kHeight - 2) : kHeight / 2;
    if (!first) {
      out += ' ';
    }
    first = false;
    out += fixed(x, 1) + "," + fixed(y, 1);
  }
  out += "\"/></svg>";
  return out;
}

std::string pattern_badge(std::string_view pattern, bool suspect) {
  if (pattern.empty()) {
    return "<span class=\"muted\">not judged</span>";
  }
  std::string cls =
      suspect ? "badge bad" : (pattern == "growing" || pattern == "leak" ? "badge warn" : "badge");
  return "<span class=\"" + cls + "\">" + html_escape(pattern) + "</span>";
}

std::string time_to_limit(const analysis::ResourceVerdict& v) {
  if (!v.seconds_to_limit) {
    return "–";
  }
  std::string out = format_duration(*v.seconds_to_limit);
  if (!v.limit_kind.empty()) {
    out += " <span class=\"muted\">(" + html_escape(v.limit_kind) + ")</span>";
  }
  return out;
}

std::string cgroup_cell(std::string_view unit, std::string_view cgroup) {
  if (!unit.empty()) {
    return "<span title=\"" + html_escape(cgroup) + "\">" + html_escape(unit) + "</span>";
  }
  return "<span class=\"path\">" + html_escape(cgroup) + "</span>";
}

std::string link_pid(std::int32_t pid) {
  const std::string p = std::to_string(pid);
  return "<a href=\"/api/v1/processes/" + p + "\">" + p + "</a>";
}

constexpr std::string_view kStyle = R"css(
:root{color-scheme:light dark;--fg:#1d232b;--bg:#fbfbfc;--muted:#6b7480;--line:#d9dde3;--bad:#b42318;--badbg:#fde8e6;--warn:#8a5a00;--warnbg:#fff4d6;--ok:#067647;--okbg:#e3f6ea;--head:#eef1f5}
@media (prefers-color-scheme:dark){:root{--fg:#e6e9ee;--bg:#15181d;--muted:#9aa3ae;--line:#323843;--bad:#ff8a80;--badbg:#3d1d1b;--warn:#ffcf6e;--warnbg:#3a2f12;--ok:#7ee2a8;--okbg:#14321f;--head:#1f242c}}
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg);margin:0;padding:1.2rem 1.6rem 3rem}
h1{font-size:1.35rem;margin:0 0 .2rem}h2{font-size:1.05rem;margin:1.8rem 0 .5rem;border-bottom:1px solid var(--line);padding-bottom:.25rem}
nav a{margin-right:1rem}a{color:inherit}
.muted{color:var(--muted)}.path{font-family:ui-monospace,monospace;font-size:12px}
table{border-collapse:collapse;width:100%;font-variant-numeric:tabular-nums}
th,td{text-align:left;padding:.3rem .55rem;border-bottom:1px solid var(--line);vertical-align:middle;white-space:nowrap}
th{background:var(--head);font-weight:600;font-size:12px;text-transform:uppercase;letter-spacing:.03em}
td.num,th.num{text-align:right}td.name{white-space:normal;overflow-wrap:anywhere;min-width:8rem;max-width:24rem}
.tw{overflow-x:auto}
tr.suspect td{background:var(--badbg)}
.badge{display:inline-block;padding:0 .45rem;border-radius:.6rem;background:var(--head);font-size:12px}
.badge.bad{background:var(--bad);color:var(--bg)}.badge.warn{background:var(--warnbg);color:var(--warn)}
.banner{padding:.6rem .9rem;border-radius:.4rem;margin:.8rem 0}.banner.ok{background:var(--okbg);color:var(--ok)}.banner.bad{background:var(--badbg);color:var(--bad)}
.cards{display:flex;flex-wrap:wrap;gap:.8rem}.card{border:1px solid var(--line);border-radius:.5rem;padding:.6rem .9rem;min-width:11rem}
.card .v{font-size:1.25rem;font-weight:600}.card .k{font-size:12px;color:var(--muted);text-transform:uppercase}
svg.spark{color:#2f6fdf;vertical-align:middle}tr.suspect svg.spark{color:var(--bad)}
dl{display:grid;grid-template-columns:max-content auto;gap:.2rem 1.2rem;margin:0}dt{color:var(--muted)}dd{margin:0}
)css";

void card(std::string& out, std::string_view key, const std::string& value_html,
          const std::string& sub_html = {}) {
  out += R"(<div class="card"><div class="k">)";
  out += key;
  out += "</div><div class=\"v\">" + value_html + "</div>";
  if (!sub_html.empty()) {
    out += "<div class=\"muted\">" + sub_html + "</div>";
  }
  out += "</div>";
}

void render_host(std::string& out, const Report& report, const std::string& window) {
  const analysis::SystemReport& s = report.system;
  out += "<h2>Host memory</h2><div class=\"cards\">";
  card(out, "Total", format_bytes(s.mem_total_bytes));
  std::string avail_sub;
  if (s.mem_available_bytes && s.mem_total_bytes && *s.mem_total_bytes > 0) {
    avail_sub = fixed(100.0 * static_cast<double>(*s.mem_available_bytes) /
                          static_cast<double>(*s.mem_total_bytes),
                      1) +
                "% of total";
  }
  card(out, "Available", format_bytes(s.mem_available_bytes), avail_sub);
  std::string swap_used = "–";
  if (s.swap_total_bytes && s.swap_free_bytes && *s.swap_total_bytes >= *s.swap_free_bytes) {
    swap_used = format_bytes(static_cast<double>(*s.swap_total_bytes - *s.swap_free_bytes));
  }
  card(out, "Swap used", swap_used, "of " + format_bytes(s.swap_total_bytes));
  card(out, "Time to exhaustion", format_duration(s.seconds_to_memory_exhaustion),
       "available " + format_rate(pick_rate(s.available_rates, window)) + " (" +
           html_escape(window) + ")");
  std::string pressure = "–";
  if (s.pressure && s.pressure->some) {
    pressure = fixed(s.pressure->some->avg60, 2) + "%";
  }
  card(out, "Memory pressure", pressure, "some, avg60");
  card(out, "OOM kills", format_count(s.oom_kills_total), "since boot");
  out += R"(<div class="card"><div class="k">Available, history</div>)" +
         sparkline(s.available_history) + "</div>";
  out += "</div>";
}

void render_suspects(std::string& out, const Report& report, const std::string& window) {
  struct Row {
    const ProcessReport* p;
    bool fds;
    double score;
  };
  std::vector<Row> rows;
  for (const ProcessReport& p : report.processes) {
    if (p.memory.suspect) {
      rows.push_back({&p, false, p.memory.score});
    }
    if (p.fds.suspect) {
      rows.push_back({&p, true, p.fds.score});
    }
  }
  std::stable_sort(rows.begin(), rows.end(),
                   [](const Row& a, const Row& b) { return a.score > b.score; });
  out += "<h2>Leak suspects</h2>";
  if (rows.empty()) {
    out += "<p class=\"muted\">No leak suspects.</p>";
    return;
  }
  out +=
      "<div class=\"tw\"><table><thead><tr><th class=\"num\">PID</th><th>Command</th><th>Group</th>"
      "<th>Unit / cgroup</th><th>Resource</th><th class=\"num\">Size</th><th class=\"num\">Rate " +
      html_escape(window) +
      "</th><th>Pattern</th><th class=\"num\">Score</th><th>Time to limit</th><th>History</th>"
      "</tr></thead><tbody>";
  for (std::size_t i = 0; i < rows.size() && i < kMaxRows; ++i) {
    const ProcessReport& p = *rows[i].p;
    const analysis::ResourceVerdict& v = rows[i].fds ? p.fds : p.memory;
    out += R"(<tr class="suspect"><td class="num">)" + link_pid(p.id.pid) + "</td>";
    out += "<td class=\"name\">" + html_escape(p.comm) + "</td>";
    out += "<td class=\"name\">" + html_escape(p.group) + "</td>";
    out += "<td>" + cgroup_cell(p.unit, p.cgroup) + "</td>";
    if (rows[i].fds) {
      out += "<td>fds</td><td class=\"num\">" + format_count(p.open_fds) + " / " +
             format_count(p.max_fds) + "</td>";
      out += "<td class=\"num\">" + format_count_rate(pick_rate(p.rates, window, true)) + "</td>";
    } else {
      out += "<td>memory</td><td class=\"num\">" + format_bytes(p.private_bytes()) + "</td>";
      out += "<td class=\"num\">" + format_rate(pick_rate(p.rates, window)) + "</td>";
    }
    out += "<td>" + pattern_badge(v.pattern, v.suspect) + "</td>";
    out += "<td class=\"num\">" + fixed(v.score, 2) + "</td>";
    out += "<td>" + time_to_limit(v) + "</td>";
    out += "<td>" +
           (rows[i].fds ? std::string("<span class=\"muted\">–</span>") : sparkline(p.history)) +
           "</td></tr>";
  }
  out += "</tbody></table></div>";
}

void render_top(std::string& out, const Report& report, const std::string& window) {
  std::vector<const ProcessReport*> rows;
  for (const ProcessReport& p : report.processes) {
    if (p.tracked) {
      rows.push_back(&p);
    }
  }
  std::stable_sort(rows.begin(), rows.end(), [](const ProcessReport* a, const ProcessReport* b) {
    return a->private_bytes().value_or(0) > b->private_bytes().value_or(0);
  });
  out += "<h2>Top processes by private memory</h2>";
  if (rows.empty()) {
    out += "<p class=\"muted\">No tracked processes.</p>";
    return;
  }
  out +=
      "<div class=\"tw\"><table><thead><tr><th class=\"num\">PID</th><th>Command</th><th>Group</th>"
      "<th>Unit / cgroup</th><th class=\"num\">Private</th><th class=\"num\">RSS</th>"
      "<th class=\"num\">PSS</th><th class=\"num\">Swap</th><th class=\"num\">FDs</th>"
      "<th class=\"num\">Rate " +
      html_escape(window) +
      "</th><th>Pattern</th><th>Time to limit</th><th>History</th></tr>"
      "</thead><tbody>";
  for (std::size_t i = 0; i < rows.size() && i < kMaxRows; ++i) {
    const ProcessReport& p = *rows[i];
    out += p.memory.suspect ? "<tr class=\"suspect\">" : "<tr>";
    out += "<td class=\"num\">" + link_pid(p.id.pid) + "</td>";
    out += "<td class=\"name\">" + html_escape(p.comm) +
           (p.alive ? "" : " <span class=\"muted\">(exited)</span>") + "</td>";
    out += "<td class=\"name\">" + html_escape(p.group) + "</td>";
    out += "<td>" + cgroup_cell(p.unit, p.cgroup) + "</td>";
    out += "<td class=\"num\">" + format_bytes(p.private_bytes()) + "</td>";
    out += "<td class=\"num\">" + format_bytes(p.rss_bytes) + "</td>";
    out += "<td class=\"num\">" + format_bytes(p.pss_bytes) + "</td>";
    out += "<td class=\"num\">" + format_bytes(p.swap_bytes) + "</td>";
    out += "<td class=\"num\">" + format_count(p.open_fds) + "</td>";
    out += "<td class=\"num\">" + format_rate(pick_rate(p.rates, window)) + "</td>";
    out += "<td>" + pattern_badge(p.memory.pattern, p.memory.suspect) + "</td>";
    out += "<td>" + time_to_limit(p.memory) + "</td>";
    out += "<td>" + sparkline(p.history) + "</td></tr>";
  }
  out += "</tbody></table></div>";
}

void render_cgroups(std::string& out, const Report& report, const std::string& window) {
  std::vector<const CgroupReport*> rows;
  rows.reserve(report.cgroups.size());
  for (const CgroupReport& c : report.cgroups) {
    rows.push_back(&c);
  }
  std::stable_sort(rows.begin(), rows.end(), [](const CgroupReport* a, const CgroupReport* b) {
    return a->sample.usage_bytes.value_or(0) > b->sample.usage_bytes.value_or(0);
  });
  out += "<h2>Cgroups</h2>";
  if (rows.empty()) {
    out += "<p class=\"muted\">No memory cgroups.</p>";
    return;
  }
  out +=
      "<div class=\"tw\"><table><thead><tr><th>Cgroup</th><th>Unit</th><th class=\"num\">Usage</th>"
      "<th class=\"num\">Working set</th><th class=\"num\">Limit</th><th class=\"num\">Rate " +
      html_escape(window) +
      "</th><th>Pattern</th><th>Time to limit</th><th class=\"num\">OOM kills</th>"
      "<th>History</th></tr></thead><tbody>";
  for (std::size_t i = 0; i < rows.size() && i < kMaxRows; ++i) {
    const CgroupReport& c = *rows[i];
    out += c.memory.suspect ? "<tr class=\"suspect\">" : "<tr>";
    out += "<td class=\"path name\">" + html_escape(c.path) + "</td>";
    out += "<td class=\"name\">" + html_escape(c.unit) + "</td>";
    out += "<td class=\"num\">" + format_bytes(c.sample.usage_bytes) + "</td>";
    out += "<td class=\"num\">" + format_bytes(c.sample.working_set_bytes()) + "</td>";
    out += "<td class=\"num\">" +
           (c.effective_limit_bytes ? format_bytes(c.effective_limit_bytes) : std::string("none")) +
           "</td>";
    out += "<td class=\"num\">" + format_rate(pick_rate(c.rates, window)) + "</td>";
    out += "<td>" + pattern_badge(c.memory.pattern, c.memory.suspect) + "</td>";
    out += "<td>" + time_to_limit(c.memory) + "</td>";
    out += "<td class=\"num\">" + format_count(c.sample.oom_kill_events) + "</td>";
    out += "<td>" + sparkline(c.history) + "</td></tr>";
  }
  out += "</tbody></table></div>";
}

void render_oom(std::string& out, const Report& report) {
  out += "<h2>Recent OOM kills</h2>";
  if (report.oom_events.empty()) {
    out += "<p class=\"muted\">No OOM kills recorded since the daemon started.</p>";
    return;
  }
  out +=
      "<div class=\"tw\"><table><thead><tr><th>Time</th><th class=\"num\">PID</th><th>Victim</th>"
      "<th>Unit / cgroup</th><th>Constraint</th><th class=\"num\">Anon RSS at death</th>"
      "<th class=\"num\">Peak private</th><th class=\"num\">Growth before</th>"
      "<th>Pattern before</th><th>Flagged</th><th class=\"num\">Lifetime</th><th>History</th>"
      "</tr></thead><tbody>";
  std::size_t shown = 0;
  for (auto it = report.oom_events.rbegin(); it != report.oom_events.rend() && shown < kMaxOomRows;
       ++it, ++shown) {
    const OomEvent& e = *it;
    out += e.was_suspect ? "<tr class=\"suspect\">" : "<tr>";
    out += "<td>" + format_time(e.time_seconds) + "</td>";
    out += "<td class=\"num\">" + std::to_string(e.pid) + "</td>";
    out += "<td class=\"name\">" + html_escape(e.comm) + "</td>";
    out += "<td>" + cgroup_cell(e.unit, e.cgroup) + "</td>";
    out += "<td>" + html_escape(e.constraint) + "</td>";
    out += "<td class=\"num\">" + format_bytes(e.anon_rss_bytes) + "</td>";
    out += "<td class=\"num\">" + format_bytes(e.peak_private_bytes) + "</td>";
    out += "<td class=\"num\">" + format_rate(e.growth_bytes_per_second) + "</td>";
    out += "<td>" + pattern_badge(e.pattern_before, false) + "</td>";
    if (e.was_suspect) {
      out += "<td><span class=\"badge bad\">yes</span>";
      if (e.flagged_seconds_before) {
        out += " " + format_duration(*e.flagged_seconds_before) + " before";
      }
      out += "</td>";
    } else {
      out += "<td>no</td>";
    }
    out += "<td class=\"num\">" + format_duration(e.lifetime_seconds) + "</td>";
    out += "<td>" + sparkline(e.history) + "</td></tr>";
  }
  out += "</tbody></table></div>";
}

void render_self(std::string& out, const Report& report, const Health& health, double now) {
  const analysis::SelfReport& s = report.self;
  out += "<h2>Daemon</h2><dl>";
  const auto row = [&](std::string_view k, const std::string& v_html) {
    out += "<dt>";
    out += k;
    out += "</dt><dd>" + v_html + "</dd>";
  };
  row("Version", html_escape(s.version));
  row("Health", (health.ok ? std::string("ok") : std::string("unhealthy")) +
                    (health.detail.empty() ? "" : " — " + html_escape(health.detail)));
  row("Scans", std::to_string(s.scans_total));
  row("Last scan", s.last_scan_wall_seconds > 0
                       ? format_duration(now - s.last_scan_wall_seconds) + " ago (" +
                             format_time(s.last_scan_wall_seconds) + ")"
                       : std::string("never"));
  row("Scan interval", format_duration(s.scan_interval_seconds));
  row("Mean scan duration",
      s.scan_duration.count > 0
          ? fixed(1000 * s.scan_duration.sum / static_cast<double>(s.scan_duration.count), 1) +
                " ms"
          : std::string("–"));
  row("Processes", std::to_string(s.processes_scanned) + " scanned, " +
                       std::to_string(s.processes_tracked) + " tracked");
  row("Scan errors",
      "gone " + std::to_string(s.errors_gone) + ", denied " + std::to_string(s.errors_denied) +
          ", parse " + std::to_string(s.errors_parse) + ", io " + std::to_string(s.errors_io) +
          ", cgroup " + std::to_string(s.errors_cgroup) + ", system " +
          std::to_string(s.errors_system) + ", kmsg " + std::to_string(s.errors_kmsg));
  row("smaps_rollup reads",
      std::to_string(s.smaps_reads_total) + " in " + fixed(s.smaps_read_seconds_total, 2) + " s");
  row("smaps_rollup skipped", "budget " + std::to_string(s.smaps_skipped_budget) + ", max_rss " +
                                  std::to_string(s.smaps_skipped_max_rss) + ", interval " +
                                  std::to_string(s.smaps_skipped_interval) + ", denied " +
                                  std::to_string(s.smaps_skipped_denied));
  row("Store", format_bytes(static_cast<double>(s.store_bytes)) + ", " +
                   std::to_string(s.store_series) + " series, " +
                   std::to_string(s.store_evictions) + " evictions");
  row("Cgroups not exported", std::to_string(s.cgroups_skipped));
  row("Cgroup layout", html_escape(report.system.cgroup_layout));
  row("Last config reload", s.config_last_reload_successful ? "ok" : "failed (old config kept)");
  row("OOM victims flagged beforehand", std::to_string(report.oom_kills_flagged_total));
  out += "</dl>";
}

}  // namespace

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

std::string render_status_page(const Report& report, const Health& health,
                               double now_wall_seconds) {
  std::string out;
  out.reserve(std::size_t{64} * 1024);
  out +=
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
      "<meta http-equiv=\"refresh\" content=\"30\"><title>leakwatch</title><style>";
  out += kStyle;
  out +=
      "</style></head><body><h1>leakwatch</h1><nav class=\"muted\">"
      "<a href=\"/metrics\">/metrics</a><a href=\"/api/v1/processes\">/api/v1/processes</a>"
      "<a href=\"/api/v1/cgroups\">/api/v1/cgroups</a>"
      "<a href=\"/api/v1/oom-kills\">/api/v1/oom-kills</a><a href=\"/healthz\">/healthz</a>"
      "</nav>";
  out += health.ok ? "<div class=\"banner ok\">Healthy" : "<div class=\"banner bad\">Unhealthy";
  if (!health.detail.empty()) {
    out += ": " + html_escape(health.detail);
  }
  out += "</div>";
  if (!report.ready) {
    out += "<p>Waiting for the first scan…</p></body></html>\n";
    return out;
  }
  out += "<p class=\"muted\">Report from " + format_time(report.generated_at) + " (" +
         format_duration(now_wall_seconds - report.generated_at) +
         " ago). Rates are growth of private memory (anon + swap) per hour.</p>";
  const std::string window = rate_window(report);
  render_host(out, report, window);
  render_suspects(out, report, window);
  render_top(out, report, window);
  render_cgroups(out, report, window);
  render_oom(out, report);
  render_self(out, report, health, now_wall_seconds);
  out += "</body></html>\n";
  return out;
}

}  // namespace lw::http
