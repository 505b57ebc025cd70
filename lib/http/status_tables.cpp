#include "http/status_tables.h"

#include <algorithm>
#include <vector>

#include "http/html.h"
#include "http/status_cells.h"

namespace lw::http::status {

using analysis::CgroupReport;
using analysis::OomEvent;
using analysis::ProcessReport;
using analysis::Report;

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
    out += R"(<tr class="suspect"><td class="num">)" + pid_link(p.id.pid) + "</td>";
    out += "<td class=\"name\">" + html_escape(p.comm) + "</td>";
    out += "<td class=\"name\">" + html_escape(p.group) + "</td>";
    out += "<td>" + cgroup_cell(p.unit, p.cgroup) + "</td>";
    if (rows[i].fds) {
      out += "<td>fds</td><td class=\"num\">" + count_cell(p.open_fds) + " / " +
             count_cell(p.max_fds) + "</td>";
      out += "<td class=\"num\">" + count_rate_cell(pick_rate(p.rates, window, true)) + "</td>";
    } else {
      out += "<td>memory</td><td class=\"num\">" + bytes_cell(p.private_bytes()) + "</td>";
      out += "<td class=\"num\">" + byte_rate_cell(pick_rate(p.rates, window)) + "</td>";
    }
    out += "<td>" + pattern_badge(v.pattern, v.suspect) + "</td>";
    out += "<td class=\"num\">" + fixed(v.score, 2) + "</td>";
    out += "<td>" + time_to_limit(v) + "</td>";
    out +=
        "<td>" +
        (rows[i].fds ? std::string("<span class=\"muted\">–</span>") : sparkline_cell(p.history)) +
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
    out += "<td class=\"num\">" + pid_link(p.id.pid) + "</td>";
    out += "<td class=\"name\">" + html_escape(p.comm) +
           (p.alive ? "" : " <span class=\"muted\">(exited)</span>") + "</td>";
    out += "<td class=\"name\">" + html_escape(p.group) + "</td>";
    out += "<td>" + cgroup_cell(p.unit, p.cgroup) + "</td>";
    out += "<td class=\"num\">" + bytes_cell(p.private_bytes()) + "</td>";
    out += "<td class=\"num\">" + bytes_cell(p.rss_bytes) + "</td>";
    out += "<td class=\"num\">" + bytes_cell(p.pss_bytes) + "</td>";
    out += "<td class=\"num\">" + bytes_cell(p.swap_bytes) + "</td>";
    out += "<td class=\"num\">" + count_cell(p.open_fds) + "</td>";
    out += "<td class=\"num\">" + byte_rate_cell(pick_rate(p.rates, window)) + "</td>";
    out += "<td>" + pattern_badge(p.memory.pattern, p.memory.suspect) + "</td>";
    out += "<td>" + time_to_limit(p.memory) + "</td>";
    out += "<td>" + sparkline_cell(p.history) + "</td></tr>";
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
    out += "<td class=\"num\">" + bytes_cell(c.sample.usage_bytes) + "</td>";
    out += "<td class=\"num\">" + bytes_cell(c.sample.working_set_bytes()) + "</td>";
    out += "<td class=\"num\">" +
           (c.effective_limit_bytes ? bytes_cell(c.effective_limit_bytes) : std::string("none")) +
           "</td>";
    out += "<td class=\"num\">" + byte_rate_cell(pick_rate(c.rates, window)) + "</td>";
    out += "<td>" + pattern_badge(c.memory.pattern, c.memory.suspect) + "</td>";
    out += "<td>" + time_to_limit(c.memory) + "</td>";
    out += "<td class=\"num\">" + count_cell(c.sample.oom_kill_events) + "</td>";
    out += "<td>" + sparkline_cell(c.history) + "</td></tr>";
  }
  out += "</tbody></table></div>";
}

void render_crash_loops(std::string& out, const Report& report) {
  std::size_t loops = 0;
  for (const analysis::GroupReport& g : report.groups) {
    loops += g.crash_loop ? 1 : 0;
  }
  if (loops == 0) {
    return;  // the section appears only when there is something to show
  }
  out += "<h2>Crash loops</h2>";
  out +=
      "<div class=\"tw\"><table><thead><tr><th>Group</th><th class=\"num\">PID</th>"
      "<th>Unit / cgroup</th><th>Ended</th><th class=\"num\">Lived</th>"
      "<th class=\"num\">Peak private</th><th>Pattern</th><th>Cause</th></tr></thead><tbody>";
  std::size_t shown = 0;
  for (const analysis::GroupReport& g : report.groups) {
    if (!g.crash_loop) {
      continue;
    }
    for (auto d = g.deaths.rbegin(); d != g.deaths.rend() && shown < kMaxRows; ++d, ++shown) {
      out += R"(<tr class="suspect"><td class="name">)" + html_escape(g.name) + "</td>";
      out += "<td class=\"num\">" + std::to_string(d->pid) + "</td>";
      out += "<td>" + cgroup_cell(d->unit, d->cgroup) + "</td>";
      out += "<td>" + time_cell(d->end_seconds) + "</td>";
      out += "<td class=\"num\">" + duration_cell(d->end_seconds - d->start_seconds) + "</td>";
      out += "<td class=\"num\">" + bytes_cell(d->peak_private_bytes) + "</td>";
      out += "<td>" + pattern_badge(d->pattern, false) + "</td>";
      out += "<td>" + std::string(analysis::death_cause_name(d->cause)) + "</td></tr>";
    }
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
    out += "<td>" + time_cell(e.time_seconds) + "</td>";
    out += "<td class=\"num\">" + std::to_string(e.pid) + "</td>";
    out += "<td class=\"name\">" + html_escape(e.comm) + "</td>";
    out += "<td>" + cgroup_cell(e.unit, e.cgroup) + "</td>";
    out += "<td>" + html_escape(e.constraint) + "</td>";
    out += "<td class=\"num\">" + bytes_cell(e.anon_rss_bytes) + "</td>";
    out += "<td class=\"num\">" + bytes_cell(e.peak_private_bytes) + "</td>";
    out += "<td class=\"num\">" + byte_rate_cell(e.growth_bytes_per_second) + "</td>";
    out += "<td>" + pattern_badge(e.pattern_before, false) + "</td>";
    if (e.was_suspect) {
      out += "<td><span class=\"badge bad\">yes</span>";
      if (e.flagged_seconds_before) {
        out += " " + duration_cell(*e.flagged_seconds_before) + " before";
      }
      out += "</td>";
    } else {
      out += "<td>no</td>";
    }
    out += "<td class=\"num\">" + duration_cell(e.lifetime_seconds) + "</td>";
    out += "<td>" + sparkline_cell(e.history) + "</td></tr>";
  }
  out += "</tbody></table></div>";
}

}  // namespace lw::http::status
