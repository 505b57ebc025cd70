#include "analysis/oom_tracker.h"

#include <algorithm>
#include <iterator>
#include <utility>

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
  std::set<std::string> counted_cgroups;  // cgroups whose own kill counter this scan read
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

// How well a counted kill's cgroup ("" = seen by the host counter only) fits a logged kill's
// ("" = unknown): 3 the same cgroup; 2 a host-only kill (the line's cgroup may have no counter of
// ours); 1 the line's cgroup has no counter we read, so any counted kill may be it; 0 no fit (the
// line's cgroup has a counter, and it is another one).
int fit(const std::string& counted, const std::string& logged, const std::set<std::string>& own) {
  if (counted == logged) {
    return 3;
  }
  if (counted.empty()) {
    return 2;
  }
  return logged.empty() || own.count(logged) == 0 ? 1 : 0;
}

// The oldest entry of `q` with the best fit, or end().
template <typename Queue, typename Fit>
auto best_fit(Queue& q, Fit&& fit_of) {
  auto best = q.end();
  int best_fit = 0;
  for (auto it = q.begin(); it != q.end(); ++it) {
    const int f = fit_of(*it);
    if (f > best_fit) {
      best = it;
      best_fit = f;
    }
  }
  return best;
}

// The process a log line names. After pid reuse several series share the pid: the victim has the
// line's comm and died since `recent_ms` (or is still alive in this scan: killed after the
// process scan); a newer process with the same pid is alive, but started after the kill.
const store::ProcessSeries* victim_by_pid(const store::SeriesStore& store,
                                          const procfs::OomLine& line, std::int64_t recent_ms) {
  const auto rank = [&](const store::ProcessSeries& s) {
    const bool same_comm = !line.comm || s.last.comm == *line.comm;
    const int state = !s.alive && s.died_steady_ms >= recent_ms ? 2 : s.alive ? 1 : 0;
    return std::make_tuple(same_comm, state, s.id.start_ticks);
  };
  const store::ProcessSeries* best = nullptr;
  for (const auto& [id, s] : store.processes()) {
    if (id.pid == line.pid && (best == nullptr || rank(s) > rank(*best))) {
      best = &s;
    }
  }
  return best;
}

// The probable victim of a counted kill: the largest process of that cgroup (or below) that died
// since `since_ms` and is no other kill's victim.
const store::ProcessSeries* victim_in(
    const store::SeriesStore& store, const std::string& path, std::int64_t since_ms,
    const std::set<std::pair<std::uint64_t, model::ProcessId>>& taken) {
  const auto is_taken = [&](const model::ProcessId& id) {
    return std::any_of(taken.begin(), taken.end(), [&](const auto& t) { return t.second == id; });
  };
  const store::ProcessSeries* victim = nullptr;
  for (const auto& [id, s] : store.processes()) {
    if (!s.alive && s.died_steady_ms > since_ms && inside(s.last.cgroup, path) && !is_taken(id) &&
        (victim == nullptr ||
         s.last.private_bytes().value_or(0) > victim->last.private_bytes().value_or(0))) {
      victim = &s;
    }
  }
  return victim;
}

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

std::int64_t OomTracker::scan_ms_ago(std::uint64_t scans) const {
  if (scan_ms_.empty()) {
    return 0;
  }
  return scan_ms_[scans < scan_ms_.size() ? scan_ms_.size() - 1 - scans : 0];
}

OomTracker::LineKill OomTracker::event_from_line(const Context& ctx, const procfs::OomLine& line) {
  LineKill kill;
  OomEvent& ev = kill.ev;
  ev.time_seconds = ctx.now_wall;
  ev.source = "kmsg";
  ev.pid = line.pid;
  ev.comm = text_label(line.comm.value_or(""));
  ev.cgroup = text_label(line.task_memcg.value_or(""));
  ev.constraint = line.constraint.value_or(line.memcg_oom ? "CONSTRAINT_MEMCG" : "");
  ev.anon_rss_bytes = line.anon_rss_bytes;
  // A line is at most kHoldScans late (the reader's wait for a partner), so its victim died at
  // most that many scans before the previous one.
  if (const auto* s = victim_by_pid(ctx.store, line, scan_ms_ago(kHoldScans + 1))) {
    post_mortem(ctx.store, ctx.verdicts.find(s->id), *s, ctx.now_wall,
                ctx.now_ms - post_mortem_window_ms(ctx.options), ctx.options.history_points, ev);
    victims_.emplace(scan_, s->id);
    kill.died_ms = s->alive ? ctx.now_ms + 1 : s->died_steady_ms;
  } else {
    ev.group = ev.comm;
  }
  return kill;
}

OomEvent OomTracker::event_from_counter(const Context& ctx, const Counted& kill) {
  OomEvent ev;
  ev.time_seconds = ctx.now_wall;
  ev.source = "counter";
  ev.cgroup = kill.cgroup;
  // A host-only kill has no cgroup to look in: guessing among every process that died on the
  // host would too often name one that exited on its own.
  if (!kill.cgroup.empty()) {
    if (const auto* s = victim_in(ctx.store, kill.cgroup, kill.since_ms, victims_)) {
      post_mortem(ctx.store, ctx.verdicts.find(s->id), *s, ctx.now_wall,
                  ctx.now_ms - post_mortem_window_ms(ctx.options), ctx.options.history_points, ev);
      victims_.emplace(scan_, s->id);
    }
  }
  return ev;
}

void OomTracker::count(const OomEvent& ev, int sign) {
  if (sign > 0) {
    ++kills_by_group_[ev.group];
    flagged_total_ += ev.was_suspect ? 1 : 0;
    return;
  }
  const auto group = kills_by_group_.find(ev.group);
  if (group != kills_by_group_.end() && --group->second == 0) {
    kills_by_group_.erase(group);
  }
  flagged_total_ -= ev.was_suspect && flagged_total_ > 0 ? 1 : 0;
}

void OomTracker::publish(const Context& ctx, OomEvent ev, std::vector<OomEvent>& new_events) {
  ev.id = next_id_++;
  count(ev, +1);
  events_.push_back(ev);
  while (events_.size() > ctx.options.max_oom_events) {
    events_.pop_front();
  }
  new_events.push_back(std::move(ev));
}

// Counted kills claim the log lines that came before them; the others wait for theirs.
void OomTracker::on_counted(const Context& ctx, const std::vector<std::string>& kills) {
  for (const std::string& path : kills) {
    const std::string cgroup = text_label(path);
    const auto line = best_fit(
        logged_, [&](const Logged& l) { return fit(cgroup, l.cgroup, ctx.counted_cgroups); });
    if (line != logged_.end()) {
      logged_.erase(line);
      continue;
    }
    counted_.push_back(Counted{.cgroup = cgroup, .scan = scan_, .since_ms = scan_ms_ago(1)});
  }
}

bool OomTracker::replace_counter_event(const Context& ctx, const LineKill& kill,
                                       std::vector<OomEvent>& new_events) {
  const auto old = best_fit(published_, [&](const Published& p) {
    const bool gone_by_then = !kill.died_ms || *kill.died_ms <= p.died_by_ms;
    return gone_by_then ? fit(p.cgroup, kill.ev.cgroup, ctx.counted_cgroups) : 0;
  });
  if (old == published_.end()) {
    return false;
  }
  OomEvent withdrawn;
  withdrawn.group = old->group;
  withdrawn.was_suspect = old->was_suspect;
  count(withdrawn, -1);
  OomEvent ev = kill.ev;
  ev.id = next_id_++;
  ev.replaces_id = old->id;
  count(ev, +1);
  const auto slot = std::find_if(events_.begin(), events_.end(),
                                 [&](const OomEvent& e) { return e.id == old->id; });
  if (slot != events_.end()) {
    ev.time_seconds = slot->time_seconds;  // the counter's time is nearer the kill
    *slot = ev;
  }
  published_.erase(old);
  new_events.push_back(std::move(ev));
  return true;
}

void OomTracker::on_logged(const Context& ctx, std::vector<OomEvent>& new_events) {
  for (const procfs::OomLine& line : ctx.snap.kmsg_oom_lines) {
    LineKill kill = event_from_line(ctx, line);
    const auto counted = best_fit(counted_, [&](const Counted& c) {
      return fit(c.cgroup, kill.ev.cgroup, ctx.counted_cgroups);
    });
    if (counted != counted_.end()) {
      counted_.erase(counted);
      publish(ctx, std::move(kill.ev), new_events);
      continue;
    }
    const bool kill_line = line.total_vm_bytes.has_value();
    if (replace_counter_event(ctx, kill, new_events) || !kill_line) {
      continue;
    }
    logged_.push_back(Logged{.cgroup = kill.ev.cgroup, .scan = scan_});
    publish(ctx, std::move(kill.ev), new_events);
  }
}

void OomTracker::expire(const Context& ctx, std::vector<OomEvent>& new_events) {
  while (!counted_.empty() && scan_ - counted_.front().scan >= kHoldScans) {
    OomEvent ev = event_from_counter(ctx, counted_.front());
    published_.push_back(Published{.id = next_id_,
                                   .cgroup = counted_.front().cgroup,
                                   .group = ev.group,
                                   .was_suspect = ev.was_suspect,
                                   .scan = scan_,
                                   .died_by_ms = ctx.now_ms});
    counted_.pop_front();
    publish(ctx, std::move(ev), new_events);
  }
  std::erase_if(logged_, [&](const Logged& l) { return scan_ - l.scan >= kHoldScans; });
  std::erase_if(published_, [&](const Published& p) { return scan_ - p.scan >= kReplaceScans; });
  std::erase_if(victims_, [&](const auto& v) { return scan_ - v.first > kReplaceScans + 1; });
}

void OomTracker::track(const store::SeriesStore& store, const VerdictState& verdicts,
                       const model::Snapshot& snap, const AnalysisOptions& options,
                       std::vector<OomEvent>& new_events) {
  ++scan_;
  Context ctx{store,
              verdicts,
              snap,
              options,
              wall_seconds(snap.wall_time),
              store::SeriesStore::to_ms(snap.taken_at),
              {}};
  for (const model::CgroupSample& c : snap.cgroups) {
    if (c.oom_kill_events) {
      ctx.counted_cgroups.insert(text_label(c.path));
    }
  }
  scan_ms_.push_back(ctx.now_ms);
  while (scan_ms_.size() > kReplaceScans + 2) {
    scan_ms_.pop_front();
  }
  on_counted(ctx, counts_.update(snap));
  on_logged(ctx, new_events);
  expire(ctx, new_events);
}

}  // namespace lw::analysis
