#include "analysis/oom_tracker.h"

#include <algorithm>
#include <set>

#include "analysis/growth.h"
#include "analysis/series_view.h"
#include "base/text.h"

namespace lw::analysis {

struct OomTracker::Context {
  const store::SeriesStore& store;
  const VerdictState& verdicts;
  const model::Snapshot& snap;
  const AnalysisOptions& options;
  double now_wall = 0;
  std::int64_t now_ms = 0;
};

namespace {

std::string text_label(std::string_view s) {
  return text::sanitize_utf8(s, 512);
}

bool inside(const std::string& cgroup, const std::string& path) {
  return cgroup == path ||
         (cgroup.size() > path.size() && cgroup.compare(0, path.size(), path) == 0 &&
          (path == "/" || cgroup[path.size()] == '/'));
}

// The newest series with this pid (the victim of a kernel log line).
const store::ProcessSeries* victim_by_pid(const store::SeriesStore& store, std::int32_t pid) {
  const store::ProcessSeries* best = nullptr;
  for (const auto& [id, s] : store.processes()) {
    if (id.pid == pid && (best == nullptr || id.start_ticks > best->id.start_ticks)) {
      best = &s;
    }
  }
  return best;
}

// The probable victim of a counted kill: the largest process of that cgroup (or below) that died
// this scan.
const store::ProcessSeries* victim_in(const store::SeriesStore& store, const std::string& path,
                                      std::int64_t now_ms) {
  const store::ProcessSeries* victim = nullptr;
  for (const auto& [id, s] : store.processes()) {
    if (!s.alive && s.died_steady_ms == now_ms && inside(s.last.cgroup, path) &&
        (victim == nullptr ||
         s.last.private_bytes().value_or(0) > victim->last.private_bytes().value_or(0))) {
      victim = &s;
    }
  }
  return victim;
}

}  // namespace

namespace {

void post_mortem(const store::SeriesStore& store, const ProcessVerdictState* verdict,
                 const store::ProcessSeries& s, double now_wall, std::int64_t since_ms,
                 std::size_t points, OomEvent& ev) {
  ev.pid = s.id.pid;
  if (ev.comm.empty()) {
    ev.comm = s.labels.comm;
  }
  if (ev.cgroup.empty()) {
    ev.cgroup = s.labels.cgroup;
  }
  ev.unit = s.labels.unit;
  ev.group = s.labels.group;
  ev.history = private_history(store, s, since_ms, points);
  double peak = 0;
  std::vector<Sample> samples;
  for (const auto& p : ev.history) {
    peak = std::max(peak, p.v);
    samples.push_back({p.t, p.v});
  }
  if (!ev.history.empty()) {
    ev.peak_private_bytes = static_cast<std::uint64_t>(peak);
  }
  ev.growth_bytes_per_second = robust_slope(samples);
  if (verdict != nullptr) {
    ev.pattern_before = verdict->pattern;
    ev.was_suspect = verdict->memory_suspect_since.has_value();
    if (verdict->memory_suspect_since) {
      ev.flagged_seconds_before = now_wall - *verdict->memory_suspect_since;
    }
  }
  ev.lifetime_seconds = now_wall - s.last.start_time_seconds;
}

std::int64_t post_mortem_window_ms(const AnalysisOptions& options) {
  return options.windows.empty() ? 3600000 : options.windows[options.middle_window()].count();
}

}  // namespace

void OomTracker::from_kernel_log(const Context& ctx, std::vector<OomEvent>& out) {
  for (const procfs::OomLine& line : ctx.snap.kmsg_oom_lines) {
    ++kmsg_kills_total_;
    OomEvent ev;
    ev.time_seconds = ctx.now_wall;
    ev.source = "kmsg";
    ev.pid = line.pid;
    ev.comm = text_label(line.comm.value_or(""));
    ev.cgroup = text_label(line.task_memcg.value_or(""));
    ev.constraint = line.constraint.value_or(line.memcg_oom ? "CONSTRAINT_MEMCG" : "");
    ev.anon_rss_bytes = line.anon_rss_bytes;
    if (const auto* s = victim_by_pid(ctx.store, line.pid)) {
      post_mortem(ctx.store, ctx.verdicts.find(s->id), *s, ctx.now_wall,
                  ctx.now_ms - post_mortem_window_ms(ctx.options), ctx.options.history_points, ev);
    } else {
      ev.group = ev.comm;
    }
    out.push_back(std::move(ev));
  }
}

// The deepest cgroups whose OOM counter moved this scan (counters propagate to ancestors on v2)
// and that no kernel log line explained. Also advances the counted kills.
std::vector<std::string> OomTracker::unexplained_cgroups(const Context& ctx,
                                                         const std::vector<OomEvent>& from_log) {
  std::set<std::string> explained;
  for (const auto& ev : from_log) {
    explained.insert(ev.cgroup);
  }
  std::vector<std::string> moved;
  for (const auto& c : ctx.snap.cgroups) {
    if (!c.oom_kill_events) {
      continue;
    }
    const auto it = last_cgroup_oom_.find(c.path);
    if (it != last_cgroup_oom_.end() && *c.oom_kill_events > it->second) {
      moved.push_back(c.path);
    }
    last_cgroup_oom_[c.path] = *c.oom_kill_events;
  }
  std::vector<std::string> leaves;
  for (const auto& m : moved) {
    const bool has_moved_child = std::any_of(moved.begin(), moved.end(), [&](const auto& o) {
      return o.size() > m.size() && inside(o, m);
    });
    if (!has_moved_child && explained.count(text_label(m)) == 0) {
      leaves.push_back(m);
    }
  }
  const auto& vmstat = ctx.snap.system.vmstat;
  if (vmstat && vmstat->oom_kill) {
    const std::uint64_t now_count = *vmstat->oom_kill;
    if (last_vmstat_oom_ && now_count > *last_vmstat_oom_) {
      counter_kills_total_ += now_count - *last_vmstat_oom_;
    }
    last_vmstat_oom_ = now_count;
  } else {
    counter_kills_total_ += leaves.size();
  }
  return leaves;
}

// Counted kills not yet explained by a log line or an event of their own. Kept cumulative, so a
// kill whose counter and log line land in different scans is counted once.
std::uint64_t OomTracker::pending() const {
  const std::uint64_t explained = kmsg_kills_total_ + counter_events_total_;
  return counter_kills_total_ > explained ? counter_kills_total_ - explained : 0;
}

void OomTracker::from_counters(const Context& ctx, const std::vector<std::string>& cgroups,
                               std::vector<OomEvent>& out) {
  for (const auto& path : cgroups) {
    if (pending() == 0) {
      break;
    }
    ++counter_events_total_;
    OomEvent ev;
    ev.time_seconds = ctx.now_wall;
    ev.source = "counter";
    ev.cgroup = text_label(path);
    if (const auto* s = victim_in(ctx.store, path, ctx.now_ms)) {
      post_mortem(ctx.store, ctx.verdicts.find(s->id), *s, ctx.now_wall,
                  ctx.now_ms - post_mortem_window_ms(ctx.options), ctx.options.history_points, ev);
    }
    out.push_back(std::move(ev));
  }
  // Host-wide kills that neither kmsg nor a cgroup counter explained.
  while (pending() > 0) {
    ++counter_events_total_;
    OomEvent ev;
    ev.time_seconds = ctx.now_wall;
    ev.source = "counter";
    out.push_back(std::move(ev));
  }
}

void OomTracker::track(const store::SeriesStore& store, const VerdictState& verdicts,
                       const model::Snapshot& snap, const AnalysisOptions& options,
                       std::vector<OomEvent>& new_events) {
  const Context ctx{store,
                    verdicts,
                    snap,
                    options,
                    wall_seconds(snap.wall_time),
                    store::SeriesStore::to_ms(snap.taken_at)};
  std::vector<OomEvent> found;
  from_kernel_log(ctx, found);
  const auto cgroups = unexplained_cgroups(ctx, found);
  from_counters(ctx, cgroups, found);
  for (auto& ev : found) {
    ++kills_by_group_[ev.group];
    if (ev.was_suspect) {
      ++flagged_total_;
    }
    events_.push_back(ev);
    new_events.push_back(std::move(ev));
  }
  while (events_.size() > options.max_oom_events) {
    events_.pop_front();
  }
}

}  // namespace lw::analysis
