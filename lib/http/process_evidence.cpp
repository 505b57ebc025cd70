#include "http/process_evidence.h"

#include <algorithm>
#include <optional>
#include <string_view>

#include <fmt/core.h>

#include "http/html.h"
#include "http/process_page.h"
#include "http/status_cells.h"

namespace lw::http {
namespace {

using analysis::ProcessReport;
using analysis::ResourceVerdict;
using analysis::SuspectRule;
using analysis::VerdictEvidence;
using process::Resource;
using status::duration_cell;
using status::fixed;

constexpr std::string_view kNotAvailable = "<p class=\"muted\">Not available.</p>";

std::string rate_cell(Resource r, const std::optional<double>& per_second) {
  return r == Resource::kMemory ? status::byte_rate_cell(per_second)
                                : status::count_rate_cell(per_second);
}

std::string check_row(bool holds, std::string_view condition, const std::string& value_html) {
  return fmt::format(R"(<tr><td class="{}">{}</td><td>{}</td><td class="muted">{}</td></tr>)",
                     holds ? "yes" : "no", holds ? "✓" : "✗", condition, value_html);
}

void render_window_rates(std::string& out, const ProcessReport& p, Resource r,
                         double threshold_per_second) {
  out +=
      "<table class=\"narrow\"><thead><tr><th>Window</th><th class=\"num\">Rate</th>"
      "<th>At or above the absolute threshold</th></tr></thead><tbody>";
  for (const analysis::WindowRate& w : p.rates) {
    const auto rate = r == Resource::kMemory ? w.bytes_per_second : w.fds_per_second;
    out += "<tr><td>" + html_escape(w.window) + "</td><td class=\"num\">" + rate_cell(r, rate) +
           "</td><td>" + (rate ? (*rate >= threshold_per_second ? "yes" : "no") : "–") +
           "</td></tr>";
  }
  out += "</tbody></table>";
}

// score = (0.4 c + 0.3 p + 0.3 (1 − 0.5 / max(m, 1))) × min(m, 1), halved unless leak or growing.
void render_score(std::string& out, const ResourceVerdict& v, const VerdictEvidence& e) {
  const double m = e.margin;
  const double growth_term = 1.0 - 0.5 / std::max(m, 1.0);
  const double weight = std::min(m, 1.0);
  out += "<p>Score = (0.4·c + 0.3·p + 0.3·(1 − 0.5 / max(m, 1))) · min(m, 1)" +
         std::string(e.halved ? " · ½ (neither leak nor growing)" : "") + "</p>";
  out += "<table class=\"narrow\"><tbody>";
  out += "<tr><td>c, consistency: share of floor groups that did not fall</td><td class=\"num\">" +
         fixed(e.consistency, 2) + "</td></tr>";
  out += "<tr><td>p, persistence: last-quarter growth / whole growth</td><td class=\"num\">" +
         fixed(e.persistence, 2) + "</td></tr>";
  out += "<tr><td>m, margin: growth in multiples of the thresholds</td><td class=\"num\">" +
         fixed(m, 2) + "</td></tr>";
  out += "<tr><td>= (" + fixed(0.4 * e.consistency, 2) + " + " + fixed(0.3 * e.persistence, 2) +
         " + " + fixed(0.3 * growth_term, 2) + ") · " + fixed(weight, 2) +
         (e.halved ? " · 0.5" : "") + "</td><td class=\"num\"><b>" + fixed(v.score, 2) +
         "</b></td></tr>";
  out += "</tbody></table>";
}

void render_suspect_rule(std::string& out, const ResourceVerdict& v, const VerdictEvidence& e,
                         const SuspectRule& rule, double age) {
  out += "<p>A suspect when all of these hold:</p><table class=\"narrow why\"><tbody>";
  out += check_row(v.pattern == "leak", "the pattern is leak", html_escape(v.pattern));
  out += check_row(v.score >= rule.suspect_score,
                   "the score is at least " + fixed(rule.suspect_score, 2), fixed(v.score, 2));
  out += check_row(
      age > rule.warmup_grace_seconds,
      "the process is older than the warm-up grace of " + duration_cell(rule.warmup_grace_seconds),
      duration_cell(age));
  out += check_row(e.observed_seconds >= rule.min_observed_seconds,
                   "it was observed for at least " + duration_cell(rule.min_observed_seconds),
                   duration_cell(e.observed_seconds));
  out += "</tbody></table>";
}

void render_judged(std::string& out, Resource r, const ResourceVerdict& v, const VerdictEvidence& e,
                   const SuspectRule& rule) {
  out += "<dl><dt>Judged over</dt><dd>";
  if (e.from_regime && v.regime_since_seconds) {
    out += "the current regime, since " + status::time_cell(*v.regime_since_seconds) + " (" +
           html_escape(v.regime_change) + ")";
  } else {
    out += "the longest window";
    if (v.regime_since_seconds) {
      out += " (a regime change at " + status::time_cell(*v.regime_since_seconds) + ", " +
             html_escape(v.regime_change) + ", did not decide the verdict)";
    }
  }
  out += "</dd><dt>Observed</dt><dd>" + duration_cell(e.observed_seconds) + "</dd>";
  out += "<dt>Trend of the medians</dt><dd>" + rate_cell(r, e.rate_per_second) + "</dd>";
  out += "<dt>Trend of the floor</dt><dd>" + rate_cell(r, e.floor_rate_per_second) +
         " <span class=\"muted\">(the lowest level reached from each point on: a leak lifts "
         "it, a sawtooth or a trimmed cache does not)</span></dd>";
  out += "<dt>Thresholds</dt><dd>" + rate_cell(r, rule.min_growth_per_hour / rule.hour_seconds) +
         " and " + fixed(100 * rule.min_growth_ratio_per_hour, 1) +
         "% of the starting floor per analysis hour (" + duration_cell(rule.hour_seconds) +
         ")</dd></dl>";
}

}  // namespace

namespace process {

void render_evidence(std::string& out, const analysis::Report& report, const ProcessReport& p,
                     Resource resource, double now_wall_seconds) {
  const bool memory = resource == Resource::kMemory;
  const ResourceVerdict& v = memory ? p.memory : p.fds;
  const SuspectRule& rule = memory ? report.memory_rule : report.fds_rule;
  out += memory ? "<h3>Memory (private: anon + swap)</h3>" : "<h3>Open file descriptors</h3>";
  out +=
      "<p>" + status::pattern_badge(v.pattern, v.suspect) + " score " + fixed(v.score, 2) + " — ";
  if (v.suspect) {
    out += "<b>a leak suspect</b>";
    if (v.suspect_since_seconds) {
      out += " since " + status::time_cell(*v.suspect_since_seconds) + " (" +
             duration_cell(now_wall_seconds - *v.suspect_since_seconds) + ")";
    }
  } else {
    out += "not a suspect";
  }
  out += "</p>";
  render_window_rates(out, p, resource, rule.min_growth_per_hour / rule.hour_seconds);
  if (!v.evidence) {
    out += v.pattern.empty()
               ? "<p class=\"muted\">Not judged yet: too few samples.</p>"
               : "<p class=\"muted\">Nothing moved over the longest window: flat, without a "
                 "full classification.</p>";
    return;
  }
  render_judged(out, resource, v, *v.evidence, rule);
  render_score(out, v, *v.evidence);
  render_suspect_rule(out, v, *v.evidence, rule, report.generated_at - p.start_time_seconds);
}

void render_time_to_limit(std::string& out, const ProcessReport& p) {
  out += "<h2>Time to limit</h2><dl>";
  out += "<dt>Memory</dt><dd>";
  if (p.memory.seconds_to_limit) {
    out += status::time_to_limit(p.memory) + " — the " +
           (p.memory.limit_kind.empty() ? std::string("?") : html_escape(p.memory.limit_kind)) +
           " limit, at the current growth rate";
  } else {
    out += "no forecast: memory is not growing (pattern " +
           (p.memory.pattern.empty() ? std::string("not judged") : html_escape(p.memory.pattern)) +
           ")";
  }
  out += "</dd><dt>File descriptors</dt><dd>";
  if (p.fds.seconds_to_limit) {
    out += status::time_to_limit(p.fds) + " — " + status::count_cell(p.open_fds) + " open of " +
           status::count_cell(p.max_fds) + " allowed (RLIMIT_NOFILE)";
  } else {
    out += "no forecast: open FDs are not growing";
  }
  out += "</dd></dl>";
}

}  // namespace process

HeadroomView headroom_view(const analysis::HeadroomTerms& t,
                           const std::optional<double>& seconds_to_limit) {
  constexpr std::string_view kStat = "memory.stat";
  HeadroomView v{
      .formula =
          "headroom = limit − (unreclaimable − swap used) + swap room; unreclaimable = "
          "charged − active_file − inactive_file − slab_reclaimable + dirty + writeback + "
          "swap used",
      .scope = t.cgroup,
      .limit_kind = t.limit_kind,
      .limit_bytes = t.limit_bytes,
      .terms = {{"", "charged", t.charged_bytes,
                 "memory.current (v2), total_rss + total_cache (v1)"},
                {"−", "active_file", t.active_file_bytes, std::string(kStat)},
                {"−", "inactive_file", t.inactive_file_bytes, std::string(kStat)},
                {"−", "slab_reclaimable", t.slab_reclaimable_bytes, std::string(kStat)},
                {"+", "dirty", t.dirty_bytes, std::string(kStat)},
                {"+", "writeback", t.writeback_bytes, std::string(kStat)},
                {"+", "swap used", t.swap_used_bytes, "memory.swap.current / memsw"}},
      .unreclaimable_bytes = t.unreclaimable_bytes,
      .swap_available_bytes = t.swap_room_bytes,
      .headroom_bytes = static_cast<std::uint64_t>(std::max(0.0, t.headroom_bytes)),
      .growth_bytes_per_second = std::nullopt};
  if (seconds_to_limit && *seconds_to_limit > 0) {
    v.growth_bytes_per_second = t.headroom_bytes / *seconds_to_limit;
  }
  return v;
}

std::string render_headroom_section(const std::optional<HeadroomView>& headroom) {
  std::string out = "<h2>Headroom</h2>";
  if (!headroom) {
    out += kNotAvailable;
    return out;
  }
  const HeadroomView& h = *headroom;
  out += "<p>Headroom of " + html_escape(h.scope) + " (" + html_escape(h.limit_kind) + " limit): " +
         html_escape(h.formula.empty() ? "headroom = limit − unreclaimable" : h.formula) +
         "</p><table class=\"narrow\"><tbody>";
  const auto row = [&](const std::string& name_html, const std::string& value_html,
                       const std::string& source_html) {
    out += "<tr><td>" + name_html + "</td><td class=\"num\">" + value_html +
           "</td><td class=\"muted\">" + source_html + "</td></tr>";
  };
  row("limit", status::bytes_cell(h.limit_bytes), "");
  for (const HeadroomTerm& t : h.terms) {
    row(html_escape(t.sign) + " " + html_escape(t.name), status::bytes_cell(t.bytes),
        html_escape(t.source));
  }
  row("= unreclaimable", status::bytes_cell(h.unreclaimable_bytes), "");
  if (h.swap_available_bytes) {
    row("swap room", status::bytes_cell(h.swap_available_bytes), "");
  }
  row("<b>headroom</b>", "<b>" + status::bytes_cell(h.headroom_bytes) + "</b>", "");
  row("growth of unreclaimable", status::byte_rate_cell(h.growth_bytes_per_second),
      "headroom / time to limit");
  out += "</tbody></table>";
  return out;
}

std::string render_crash_loop_section(const std::optional<CrashLoopView>& crash_loop) {
  std::string out = "<h2>Crash loop</h2>";
  if (!crash_loop) {
    out += kNotAvailable;
    return out;
  }
  const CrashLoopView& c = *crash_loop;
  out += "<p>" + html_escape(c.group) + ": " +
         (c.suspect ? std::string("<span class=\"badge bad\">crash-loop suspect</span>")
                    : std::string("not a crash-loop suspect")) +
         "</p>";
  if (c.instances.empty()) {
    out += "<p class=\"muted\">No instances recorded.</p>";
    return out;
  }
  out +=
      "<div class=\"tw\"><table><thead><tr><th class=\"num\">PID</th><th>Started</th>"
      "<th>Ended</th><th>Cause</th><th class=\"num\">Peak private</th><th>Pattern</th>"
      "</tr></thead><tbody>";
  for (const CrashLoopInstance& i : c.instances) {
    out += "<tr><td class=\"num\">" + std::to_string(i.pid) + "</td><td>" +
           status::time_cell(i.started_at) + "</td><td>" +
           (i.ended_at ? status::time_cell(*i.ended_at) : std::string("running")) + "</td><td>" +
           html_escape(i.end_cause) + "</td><td class=\"num\">" +
           status::bytes_cell(i.peak_private_bytes) + "</td><td>" +
           status::pattern_badge(i.pattern, false) + "</td></tr>";
  }
  out += "</tbody></table></div>";
  return out;
}

}  // namespace lw::http
