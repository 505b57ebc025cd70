#include "http/api.h"

#include "http/json.h"

namespace lw::http {
namespace {

using analysis::CgroupReport;
using analysis::HistoryPoint;
using analysis::OomEvent;
using analysis::ProcessReport;
using analysis::Report;
using analysis::ResourceVerdict;
using analysis::WindowRate;

void write_history(JsonWriter& w, const std::vector<HistoryPoint>& history) {
  w.key("history").begin_array();
  for (const HistoryPoint& p : history) {
    w.begin_array().value(p.t).value(p.v).end_array();
  }
  w.end_array();
}

// {"15m": {"memory_bytes_per_second": x, "fds_per_second": y}, ...}
void write_rates(JsonWriter& w, std::span<const WindowRate> rates, const char* memory_key,
                 bool with_fds) {
  w.key("rates").begin_object();
  for (const WindowRate& r : rates) {
    w.key(r.window).begin_object();
    w.field(memory_key, r.bytes_per_second);
    if (with_fds) {
      w.field("fds_per_second", r.fds_per_second);
    }
    w.end_object();
  }
  w.end_object();
}

// The headroom formula's terms (README "Headroom"): null when no cgroup limit applies.
void write_headroom(JsonWriter& w, const Boxed<analysis::HeadroomTerms>& h) {
  if (!h) {
    w.field("headroom", std::optional<double>{});
    return;
  }
  w.key("headroom").begin_object();
  w.field("cgroup", h->cgroup);
  w.field("limit", h->limit_kind);
  w.field("limit_bytes", h->limit_bytes);
  w.field("charged_bytes", h->charged_bytes);
  w.field("active_file_bytes", h->active_file_bytes);
  w.field("inactive_file_bytes", h->inactive_file_bytes);
  w.field("slab_reclaimable_bytes", h->slab_reclaimable_bytes);
  w.field("dirty_bytes", h->dirty_bytes);
  w.field("writeback_bytes", h->writeback_bytes);
  w.field("swap_used_bytes", h->swap_used_bytes);
  w.field("unreclaimable_bytes", h->unreclaimable_bytes);
  w.field("swap_room_bytes", h->swap_room_bytes);
  w.field("headroom_bytes", h->headroom_bytes);
  w.end_object();
}

void write_verdict(JsonWriter& w, std::string_view name, const ResourceVerdict& v) {
  w.key(name).begin_object();
  w.field("pattern", v.pattern);
  w.field("score", v.score);
  w.field("suspect", v.suspect);
  w.field("seconds_to_limit", v.seconds_to_limit);
  if (v.limit_kind.empty()) {
    w.field("limit", std::optional<std::string>{});
  } else {
    w.field("limit", v.limit_kind);
  }
  w.field("suspect_since", v.suspect_since_seconds);
  // When the current regime began and what began it; null when the window is one regime.
  w.field("regime_since", v.regime_since_seconds);
  if (v.regime_change.empty()) {
    w.field("regime_change", std::optional<std::string>{});
  } else {
    w.field("regime_change", v.regime_change);
  }
  write_headroom(w, v.headroom);
  w.end_object();
}

void write_pressure(JsonWriter& w, const std::optional<procfs::Pressure>& pressure) {
  w.key("pressure");
  if (!pressure) {
    w.null();
    return;
  }
  w.begin_object();
  const auto line = [&](const char* name, const std::optional<procfs::PressureLine>& l) {
    w.key(name);
    if (!l) {
      w.null();
      return;
    }
    w.begin_object();
    w.field("avg10", l->avg10).field("avg60", l->avg60).field("avg300", l->avg300);
    w.field("total_us", l->total_us);
    w.end_object();
  };
  line("some", pressure->some);
  line("full", pressure->full);
  w.end_object();
}

void write_process(JsonWriter& w, const ProcessReport& p, bool with_history) {
  w.begin_object();
  w.field("pid", p.id.pid);
  w.field("start_ticks", p.id.start_ticks);
  w.field("start_time", p.start_time_seconds);
  w.field("comm", p.comm);
  w.field("group", p.group);
  w.field("cgroup", p.cgroup);
  w.field("unit", p.unit);
  w.field("ppid", p.ppid);
  w.field("uid", p.uid);
  w.field("alive", p.alive);
  w.field("tracked", p.tracked);
  w.field("private_bytes", p.private_bytes());
  w.field("rss_bytes", p.rss_bytes);
  w.field("anon_bytes", p.anon_bytes);
  w.field("file_bytes", p.file_bytes);
  w.field("shmem_bytes", p.shmem_bytes);
  w.field("swap_bytes", p.swap_bytes);
  w.field("vsize_bytes", p.vsize_bytes);
  w.field("pss_bytes", p.pss_bytes);
  w.field("uss_bytes", p.uss_bytes);
  w.field("anon_huge_pages_bytes", p.anon_huge_pages_bytes);
  w.field("pss_sampled_at", p.pss_sampled_at);
  w.field("smaps_age_seconds", p.smaps_age_seconds);
  w.field("open_fds", p.open_fds);
  w.field("max_fds", p.max_fds);
  write_rates(w, p.rates, "memory_bytes_per_second", true);
  write_verdict(w, "memory", p.memory);
  write_verdict(w, "fds", p.fds);
  w.field("sibling_outlier", p.sibling_outlier);
  if (with_history) {
    write_history(w, p.history);
  }
  w.end_object();
}

void write_cgroup(JsonWriter& w, const CgroupReport& c) {
  const model::CgroupSample& s = c.sample;
  w.begin_object();
  w.field("path", c.path);
  w.field("inode", s.inode);
  w.field("unit", c.unit);
  w.field("container_id", c.container_id);
  w.field("version", s.version == model::CgroupVersion::kV2 ? "v2" : "v1");
  w.field("usage_bytes", s.usage_bytes);
  w.field("working_set_bytes", s.working_set_bytes());
  w.field("anon_bytes", s.anon_bytes);
  w.field("file_bytes", s.file_bytes);
  w.field("shmem_bytes", s.shmem_bytes);
  w.field("kernel_bytes", s.kernel_bytes);
  w.field("sock_bytes", s.sock_bytes);
  w.field("anon_thp_bytes", s.anon_thp_bytes);
  w.field("inactive_file_bytes", s.inactive_file_bytes);
  w.field("swap_bytes", s.swap_bytes);
  w.field("limit_bytes", s.limit_bytes);
  w.field("high_bytes", s.high_bytes);
  w.field("swap_limit_bytes", s.swap_limit_bytes);
  w.field("effective_limit_bytes", c.effective_limit_bytes);
  w.field("oom_events", s.oom_events);
  w.field("oom_kill_events", s.oom_kill_events);
  w.field("failcnt", s.failcnt);
  w.field("processes", s.processes);
  write_pressure(w, s.pressure);
  write_rates(w, c.rates, "working_set_bytes_per_second", false);
  write_verdict(w, "memory", c.memory);
  write_history(w, c.history);
  w.end_object();
}

void write_oom(JsonWriter& w, const OomEvent& e) {
  w.begin_object();
  w.field("time", e.time_seconds);
  w.field("pid", e.pid);
  w.field("comm", e.comm);
  w.field("cgroup", e.cgroup);
  w.field("unit", e.unit);
  w.field("group", e.group);
  w.field("constraint", e.constraint);
  w.field("source", e.source);
  w.field("anon_rss_bytes", e.anon_rss_bytes);
  w.field("peak_private_bytes", e.peak_private_bytes);
  w.field("growth_bytes_per_second", e.growth_bytes_per_second);
  w.field("pattern_before", e.pattern_before);
  w.field("was_suspect", e.was_suspect);
  w.field("flagged_seconds_before", e.flagged_seconds_before);
  w.field("lifetime_seconds", e.lifetime_seconds);
  write_history(w, e.history);
  w.end_object();
}

// Ended instances of a group: the crash-loop evidence (analysis/crash_loop.h).
void write_deaths(JsonWriter& w, const std::vector<analysis::InstanceDeath>& deaths) {
  w.key("deaths").begin_array();
  for (const analysis::InstanceDeath& d : deaths) {
    w.begin_object();
    w.field("pid", d.pid).field("unit", d.unit).field("cgroup", d.cgroup);
    w.field("start", d.start_seconds).field("end", d.end_seconds);
    w.field("peak_private_bytes", d.peak_private_bytes);
    w.field("pattern", d.pattern).field("cause", analysis::death_cause_name(d.cause));
    w.end_object();
  }
  w.end_array();
}

void write_group(JsonWriter& w, const analysis::GroupReport& g) {
  w.begin_object();
  w.field("name", g.name).field("processes", g.processes);
  w.field("resident_bytes", g.resident_bytes).field("pss_bytes", g.pss_bytes);
  w.field("swap_bytes", g.swap_bytes).field("open_fds", g.open_fds);
  w.field("leak_suspects", g.leak_suspects);
  w.field("crash_loop", g.crash_loop);
  write_deaths(w, g.deaths);
  w.end_object();
}

void write_system(JsonWriter& w, const analysis::SystemReport& s) {
  w.begin_object();
  w.field("mem_total_bytes", s.mem_total_bytes);
  w.field("mem_available_bytes", s.mem_available_bytes);
  w.field("swap_total_bytes", s.swap_total_bytes);
  w.field("swap_free_bytes", s.swap_free_bytes);
  w.field("anon_huge_pages_bytes", s.anon_huge_pages_bytes);
  w.field("committed_as_bytes", s.committed_as_bytes);
  w.field("oom_kills_total", s.oom_kills_total);
  w.field("thp_fault_alloc_total", s.thp_fault_alloc_total);
  w.field("thp_fault_fallback_total", s.thp_fault_fallback_total);
  w.field("compact_stall_total", s.compact_stall_total);
  write_pressure(w, s.pressure);
  write_rates(w, s.available_rates, "available_bytes_per_second", false);
  w.field("seconds_to_memory_exhaustion", s.seconds_to_memory_exhaustion);
  w.field("cgroup_layout", s.cgroup_layout);
  write_history(w, s.available_history);
  w.end_object();
}

void write_self(JsonWriter& w, const analysis::SelfReport& s) {
  w.begin_object();
  w.field("version", s.version);
  w.field("scans_total", s.scans_total);
  w.field("scan_duration_seconds_sum", s.scan_duration.sum);
  w.field("scan_duration_seconds_count", s.scan_duration.count);
  w.field("processes_scanned", s.processes_scanned);
  w.field("processes_tracked", s.processes_tracked);
  w.key("errors").begin_object();
  w.field("gone", s.errors_gone).field("denied", s.errors_denied).field("parse", s.errors_parse);
  w.field("io", s.errors_io).field("cgroup", s.errors_cgroup).field("system", s.errors_system);
  w.field("kmsg", s.errors_kmsg);
  w.end_object();
  w.field("smaps_reads_total", s.smaps_reads_total);
  w.field("smaps_read_seconds_total", s.smaps_read_seconds_total);
  w.key("smaps_skipped").begin_object();
  w.field("budget", s.smaps_skipped_budget).field("max_rss", s.smaps_skipped_max_rss);
  w.field("interval", s.smaps_skipped_interval).field("denied", s.smaps_skipped_denied);
  w.end_object();
  w.field("store_bytes", s.store_bytes);
  w.field("store_series", s.store_series);
  w.field("store_evictions", s.store_evictions);
  w.field("cgroups_skipped", s.cgroups_skipped);
  w.field("config_last_reload_successful", s.config_last_reload_successful);
  w.field("last_scan_time", s.last_scan_wall_seconds);
  w.field("scan_interval_seconds", s.scan_interval_seconds);
  w.end_object();
}

}  // namespace

std::string render_processes_json(const Report& report) {
  JsonWriter w;
  w.begin_array();
  for (const ProcessReport& p : report.processes) {
    write_process(w, p, false);
  }
  w.end_array();
  return w.take();
}

std::optional<std::string> render_process_json(const Report& report, std::int32_t pid) {
  for (const ProcessReport& p : report.processes) {
    if (p.id.pid == pid && p.alive) {
      JsonWriter w;
      write_process(w, p, true);
      return w.take();
    }
  }
  return std::nullopt;
}

std::string render_cgroups_json(const Report& report) {
  JsonWriter w;
  w.begin_array();
  for (const CgroupReport& c : report.cgroups) {
    write_cgroup(w, c);
  }
  w.end_array();
  return w.take();
}

std::string render_oom_kills_json(const Report& report) {
  JsonWriter w;
  w.begin_array();
  for (const OomEvent& e : report.oom_events) {
    write_oom(w, e);
  }
  w.end_array();
  return w.take();
}

std::string render_groups_json(const Report& report) {
  JsonWriter w;
  w.begin_array();
  for (const analysis::GroupReport& g : report.groups) {
    write_group(w, g);
  }
  w.end_array();
  return w.take();
}

std::string render_report_json(const Report& report) {
  JsonWriter w;
  w.begin_object();
  w.field("generated_at", report.generated_at);
  w.field("ready", report.ready);
  w.key("windows").begin_array();
  for (const std::string& window : report.windows) {
    w.value(window);
  }
  w.end_array();
  w.key("system");
  write_system(w, report.system);
  w.key("processes").begin_array();
  for (const ProcessReport& p : report.processes) {
    write_process(w, p, p.tracked);
  }
  w.end_array();
  w.key("groups").begin_array();
  for (const analysis::GroupReport& g : report.groups) {
    write_group(w, g);
  }
  w.end_array();
  w.key("cgroups").begin_array();
  for (const CgroupReport& c : report.cgroups) {
    write_cgroup(w, c);
  }
  w.end_array();
  w.key("oom_kills").begin_array();
  for (const OomEvent& e : report.oom_events) {
    write_oom(w, e);
  }
  w.end_array();
  w.key("oom_kills_by_group").begin_object();
  for (const auto& [group, kills] : report.oom_kills_by_group) {
    w.field(group, kills);
  }
  w.end_object();
  w.field("oom_kills_flagged_total", report.oom_kills_flagged_total);
  w.key("self");
  write_self(w, report.self);
  w.end_object();
  return w.take();
}

}  // namespace lw::http
