#include "http/status_page.h"

#include <string_view>

#include "http/status_cells.h"
#include "http/status_style.h"
#include "http/status_tables.h"

namespace lw::http {
namespace {

using analysis::Report;
using status::byte_rate_cell;
using status::bytes_cell;
using status::card;
using status::count_cell;
using status::duration_cell;
using status::fixed;
using status::pick_rate;
using status::sparkline_cell;
using status::time_cell;

void render_host(std::string& out, const Report& report, const std::string& window) {
  const analysis::SystemReport& s = report.system;
  out += "<h2>Host memory</h2><div class=\"cards\">";
  card(out, "Total", bytes_cell(s.mem_total_bytes));
  std::string avail_sub;
  if (s.mem_available_bytes && s.mem_total_bytes && *s.mem_total_bytes > 0) {
    avail_sub = fixed(100.0 * static_cast<double>(*s.mem_available_bytes) /
                          static_cast<double>(*s.mem_total_bytes),
                      1) +
                "% of total";
  }
  card(out, "Available", bytes_cell(s.mem_available_bytes), avail_sub);
  std::string swap_used = "–";
  if (s.swap_total_bytes && s.swap_free_bytes && *s.swap_total_bytes >= *s.swap_free_bytes) {
    swap_used = bytes_cell(static_cast<double>(*s.swap_total_bytes - *s.swap_free_bytes));
  }
  card(out, "Swap used", swap_used, "of " + bytes_cell(s.swap_total_bytes));
  card(out, "Time to exhaustion", duration_cell(s.seconds_to_memory_exhaustion),
       "available " + byte_rate_cell(pick_rate(s.available_rates, window)) + " (" +
           html_escape(window) + ")");
  std::string pressure = "–";
  if (s.pressure && s.pressure->some) {
    pressure = fixed(s.pressure->some->avg60, 2) + "%";
  }
  card(out, "Memory pressure", pressure, "some, avg60");
  card(out, "OOM kills", count_cell(s.oom_kills_total), "since boot");
  out += R"(<div class="card"><div class="k">Available, history</div>)" +
         sparkline_cell(s.available_history) + "</div>";
  out += "</div>";
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
                       ? duration_cell(now - s.last_scan_wall_seconds) + " ago (" +
                             time_cell(s.last_scan_wall_seconds) + ")"
                       : std::string("never"));
  row("Scan interval", duration_cell(s.scan_interval_seconds));
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
  row("Store", bytes_cell(static_cast<double>(s.store_bytes)) + ", " +
                   std::to_string(s.store_series) + " series, " +
                   std::to_string(s.store_evictions) + " evictions");
  row("Cgroups not exported", std::to_string(s.cgroups_skipped));
  row("Cgroup layout", html_escape(report.system.cgroup_layout));
  row("Last config reload", s.config_last_reload_successful ? "ok" : "failed (old config kept)");
  row("OOM victims flagged beforehand", std::to_string(report.oom_kills_flagged_total));
  out += "</dl>";
}

}  // namespace

std::string render_status_page(const Report& report, const Health& health,
                               double now_wall_seconds) {
  std::string out;
  out.reserve(std::size_t{64} * 1024);
  out +=
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
      "<meta http-equiv=\"refresh\" content=\"30\"><title>leakwatch</title><style>";
  out += status::kStyle;
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
  out += "<p class=\"muted\">Report from " + time_cell(report.generated_at) + " (" +
         duration_cell(now_wall_seconds - report.generated_at) +
         " ago). Rates are growth of private memory (anon + swap) per hour.</p>";
  const std::string window = status::rate_window(report);
  render_host(out, report, window);
  status::render_suspects(out, report, window);
  status::render_top(out, report, window);
  status::render_cgroups(out, report, window);
  status::render_crash_loops(out, report);
  status::render_oom(out, report);
  render_self(out, report, health, now_wall_seconds);
  out += "</body></html>\n";
  return out;
}

}  // namespace lw::http
