#include "analysis/report_builder.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>
#include <unordered_map>

#include "analysis/siblings.h"
#include "base/text.h"

namespace lw::analysis {

namespace {

std::string text_label(std::string_view s) {
  return text::sanitize_utf8(s, 512);
}

double wall_seconds(scan::WallTime t) {
  return std::chrono::duration<double>(t.time_since_epoch()).count();
}

bool in_pattern(const ResourceVerdict& v, std::initializer_list<const char*> names) {
  return std::any_of(names.begin(), names.end(), [&](const char* n) { return v.pattern == n; });
}

// Walks "/a/b/c" -> "/a/b" -> "/a" -> "/".
std::string parent_of(const std::string& path) {
  if (path.empty() || path == "/") {
    return "";
  }
  const auto pos = path.rfind('/');
  if (pos == 0 || pos == std::string::npos) {
    return "/";
  }
  return path.substr(0, pos);
}

int depth_of(const std::string& path) {
  if (path == "/" || path.empty()) {
    return 0;
  }
  return static_cast<int>(std::count(path.begin(), path.end(), '/'));
}

// The tightest headroom (limit - usage, over the cgroup and its ancestors) and the limit it
// belongs to. memory.high counts as a limit: above it the kernel throttles and reclaims hard.
struct Headroom {
  std::optional<double> bytes;
  std::optional<std::uint64_t> limit;
};
Headroom headroom_of(const std::string& path,
                     const std::unordered_map<std::string, const scan::CgroupSample*>& by_path) {
  Headroom h;
  for (std::string p = path; !p.empty(); p = parent_of(p)) {
    const auto it = by_path.find(p);
    if (it == by_path.end()) {
      continue;
    }
    const scan::CgroupSample& c = *it->second;
    for (const auto& lim : {c.limit_bytes, c.high_bytes}) {
      if (!lim) {
        continue;
      }
      const double usage = static_cast<double>(c.usage_bytes.value_or(0));
      const double room = std::max(0.0, static_cast<double>(*lim) - usage);
      if (!h.bytes || room < *h.bytes) {
        h.bytes = room;
      }
      if (!h.limit || *lim < *h.limit) {
        h.limit = *lim;
      }
    }
  }
  return h;
}

// Downsamples to at most n points by taking the last point of each equal-count stride, keeping
// the maximum in each stride so that spikes stay visible.
std::vector<HistoryPoint> downsample(const std::vector<HistoryPoint>& in, std::size_t n) {
  if (in.size() <= n || n == 0) {
    return in;
  }
  std::vector<HistoryPoint> out;
  out.reserve(n);
  const double stride = static_cast<double>(in.size()) / static_cast<double>(n);
  for (std::size_t i = 0; i < n; ++i) {
    const auto lo = static_cast<std::size_t>(static_cast<double>(i) * stride);
    const auto hi =
        std::min(in.size(), static_cast<std::size_t>(static_cast<double>(i + 1) * stride));
    HistoryPoint p = in[hi - 1];
    for (std::size_t k = lo; k < hi; ++k) {
      p.v = std::max(p.v, in[k].v);
    }
    out.push_back(p);
  }
  return out;
}

ResourceVerdict to_resource(const Verdict& v) {
  ResourceVerdict r;
  r.pattern = std::string(pattern_name(v.pattern));
  r.score = v.score;
  r.suspect = v.suspect;
  return r;
}

// Index of the first sample at or after t.
std::size_t first_at(const std::vector<Sample>& s, double t) {
  return static_cast<std::size_t>(
      std::lower_bound(s.begin(), s.end(), t, [](const Sample& a, double v) { return a.t < v; }) -
      s.begin());
}

}  // namespace

std::vector<scan::SmapsRequest> ReportBuilder::plan_smaps(const History& history,
                                                          const scan::Snapshot& snap) const {
  struct Candidate {
    int priority;
    std::uint64_t private_bytes;
    scan::SmapsRequest req;
  };
  std::vector<Candidate> candidates;
  std::vector<std::pair<std::uint64_t, std::size_t>> by_private;
  by_private.reserve(snap.processes.size());
  for (std::size_t i = 0; i < snap.processes.size(); ++i) {
    by_private.emplace_back(snap.processes[i].private_bytes().value_or(0), i);
  }
  const std::size_t k = std::min<std::size_t>(options_.smaps_top_k, by_private.size());
  std::partial_sort(by_private.begin(), by_private.begin() + static_cast<std::ptrdiff_t>(k),
                    by_private.end(), std::greater<>());
  std::set<std::size_t> top;
  for (std::size_t i = 0; i < k; ++i) {
    top.insert(by_private[i].second);
  }
  for (std::size_t i = 0; i < snap.processes.size(); ++i) {
    const auto& p = snap.processes[i];
    const auto it = history.processes().find(p.id);
    const ProcessEntry* e = it == history.processes().end() ? nullptr : &it->second;
    int priority = 3;
    if (e != nullptr && (e->memory_suspect || e->pattern == "leak")) {
      priority = 0;
    } else if (e != nullptr && (e->included || e->smaps_forced)) {
      priority = 1;
    } else if (top.count(i) != 0) {
      priority = 2;
    }
    if (priority < 3) {
      candidates.push_back({priority,
                            p.private_bytes().value_or(0),
                            {.index = i, .forced = e != nullptr && e->smaps_forced}});
    }
  }
  std::sort(candidates.begin(), candidates.end(), [](const Candidate& a, const Candidate& b) {
    return a.priority != b.priority ? a.priority < b.priority : a.private_bytes > b.private_bytes;
  });
  std::vector<scan::SmapsRequest> out;
  out.reserve(candidates.size());
  for (const auto& c : candidates) {
    out.push_back(c.req);
  }
  return out;
}

std::vector<HistoryPoint> ReportBuilder::process_history(const History& history,
                                                         const ProcessEntry& e,
                                                         std::int64_t since_ms) const {
  std::vector<HistoryPoint> points;
  e.series.for_each(history.seq_since(since_ms), [&](std::uint64_t seq, const auto& v) {
    const auto t = history.time_of(seq);
    if (t && v[kPrivateKib]) {
      points.push_back({static_cast<double>(t->wall_ms) / 1000.0,
                        static_cast<double>(*v[kPrivateKib]) * 1024.0});
    }
  });
  return downsample(points, options_.history_points);
}

void ReportBuilder::analyse_process(History& history, ProcessEntry& e, std::int64_t now_ms,
                                    double now_wall, ProcessReport& out) {
  const auto& p = e.last;
  out.id = e.id;
  out.comm = e.comm;
  out.group = e.group;
  out.cgroup = e.cgroup;
  out.unit = e.unit;
  out.ppid = p.ppid;
  out.uid = p.uid;
  out.start_time_seconds = p.start_time_seconds;
  out.alive = e.alive;
  out.rss_bytes = p.rss_bytes;
  out.anon_bytes = p.anon_bytes;
  out.file_bytes = p.file_bytes;
  out.shmem_bytes = p.shmem_bytes;
  out.swap_bytes = p.swap_bytes;
  out.vsize_bytes = p.vsize_bytes;
  out.open_fds = p.open_fds;
  out.max_fds = p.max_fds;
  if (e.smaps) {
    out.pss_bytes = e.smaps->pss_bytes;
    out.uss_bytes = e.smaps->uss_bytes();
    out.anon_huge_pages_bytes = e.smaps->anon_huge_pages_bytes;
    out.pss_sampled_at = static_cast<double>(e.smaps_wall_ms) / 1000.0;
  }
  if (!e.alive) {
    // A dead process keeps its last verdict for the post-mortem; nothing new to analyse.
    out.memory.pattern = e.pattern;
    out.memory.suspect = false;
    return;
  }

  const std::int64_t longest = options_.windows.empty() ? 0 : options_.windows.back().count();
  const std::uint64_t since = history.seq_since(now_ms - longest);
  const double now_s = static_cast<double>(now_ms) / 1000.0;
  const double age = std::max(0.0, now_wall - p.start_time_seconds);

  const auto mem_range = e.series.range_since(kPrivateKib, since);
  const auto fd_range = e.series.range_since(kFds, since);
  const bool flat = mem_range.min && mem_range.min == mem_range.max && fd_range.min == fd_range.max;
  if (e.series.size() < 3) {
    // Too little history to say anything: no rate and no pattern, rather than a made-up "flat".
    for (const auto& label : options_.window_labels) {
      out.rates.push_back({label, std::nullopt, std::nullopt});
    }
    out.memory.pattern.clear();
    out.fds.pattern.clear();
  } else if (flat) {
    // Fast path: nothing moved over the longest window (most processes on most hosts).
    for (const auto& label : options_.window_labels) {
      out.rates.push_back({label, 0.0, fd_range.min ? std::optional<double>(0.0) : std::nullopt});
    }
    out.memory = ResourceVerdict{};
    out.fds = ResourceVerdict{};
  } else {
    scratch_.clear();
    scratch_fds_.clear();
    e.series.for_each(since, [&](std::uint64_t seq, const auto& v) {
      const auto t = history.time_of(seq);
      if (!t) {
        return;
      }
      const double ts = static_cast<double>(t->steady_ms) / 1000.0;
      if (v[kPrivateKib]) {
        scratch_.push_back({ts, static_cast<double>(*v[kPrivateKib]) * 1024.0});
      }
      if (v[kFds]) {
        scratch_fds_.push_back({ts, static_cast<double>(*v[kFds])});
      }
    });
    for (std::size_t w = 0; w < options_.windows.size(); ++w) {
      const double from = now_s - static_cast<double>(options_.windows[w].count()) / 1000.0;
      const std::span<const Sample> mem(scratch_.data() + first_at(scratch_, from),
                                        scratch_.data() + scratch_.size());
      const std::span<const Sample> fds(scratch_fds_.data() + first_at(scratch_fds_, from),
                                        scratch_fds_.data() + scratch_fds_.size());
      out.rates.push_back({options_.window_labels[w], robust_slope(mem), robust_slope(fds)});
    }
    const Verdict mv = classify(scratch_, age, options_.memory);
    const Verdict fv = classify(scratch_fds_, age, options_.fds);
    out.memory = to_resource(mv);
    out.fds = to_resource(fv);
    e.rate_long = mv.rate_per_second;
    if (in_pattern(out.memory, {"leak", "growing"}) && mv.rate_per_second) {
      out.memory.seconds_to_limit = mv.rate_per_second;  // rate; turned into seconds later
    }
    if (in_pattern(out.fds, {"leak", "growing"}) && fv.rate_per_second && p.max_fds && p.open_fds) {
      out.fds.seconds_to_limit = seconds_to_limit(
          static_cast<double>(*p.open_fds), *fv.rate_per_second, static_cast<double>(*p.max_fds));
      if (out.fds.seconds_to_limit) {
        out.fds.limit_kind = "nofile";
      }
    }
  }
  if (e.series.size() >= 3 && !flat && scratch_.size() < 3) {
    out.memory.pattern.clear();  // RssAnon absent (old kernel): no memory verdict
  }
  e.pattern = out.memory.pattern;
  e.memory_suspect = out.memory.suspect;
  if (out.memory.suspect) {
    if (!e.memory_suspect_since) {
      e.memory_suspect_since = now_wall;
    }
  } else {
    e.memory_suspect_since.reset();
  }
  if (out.fds.suspect) {
    if (!e.fds_suspect_since) {
      e.fds_suspect_since = now_wall;
    }
  } else {
    e.fds_suspect_since.reset();
  }
  out.memory.suspect_since_seconds = e.memory_suspect_since;
  out.fds.suspect_since_seconds = e.fds_suspect_since;
}

void ReportBuilder::analyse_system(History& history, const scan::Snapshot& snap,
                                   std::int64_t now_ms, Report& report) {
  SystemReport& s = report.system;
  if (snap.system.meminfo) {
    const auto& m = *snap.system.meminfo;
    s.mem_total_bytes = m.mem_total_bytes;
    s.mem_available_bytes = m.mem_available_bytes;
    s.swap_total_bytes = m.swap_total_bytes;
    s.swap_free_bytes = m.swap_free_bytes;
    s.anon_huge_pages_bytes = m.anon_huge_pages_bytes;
    s.committed_as_bytes = m.committed_as_bytes;
  }
  if (snap.system.vmstat) {
    const auto& v = *snap.system.vmstat;
    s.oom_kills_total = v.oom_kill;
    s.thp_fault_alloc_total = v.thp_fault_alloc;
    s.thp_fault_fallback_total = v.thp_fault_fallback;
    s.compact_stall_total = v.compact_stall;
  }
  s.pressure = snap.system.pressure;

  const std::int64_t longest = options_.windows.empty() ? 0 : options_.windows.back().count();
  std::vector<Sample> avail;
  std::vector<HistoryPoint> points;
  history.system().for_each(
      history.seq_since(now_ms - longest), [&](std::uint64_t seq, const auto& v) {
        const auto t = history.time_of(seq);
        if (t && v[kAvailableKib]) {
          const double bytes = static_cast<double>(*v[kAvailableKib]) * 1024;
          avail.push_back({static_cast<double>(t->steady_ms) / 1000.0, bytes});
          points.push_back({static_cast<double>(t->wall_ms) / 1000.0, bytes});
        }
      });
  const double now_s = static_cast<double>(now_ms) / 1000.0;
  std::optional<double> forecast_rate;
  for (std::size_t w = 0; w < options_.windows.size(); ++w) {
    const double from = now_s - static_cast<double>(options_.windows[w].count()) / 1000.0;
    const std::span<const Sample> sub(avail.data() + first_at(avail, from),
                                      avail.data() + avail.size());
    const auto rate = robust_slope(sub);
    s.available_rates.push_back({options_.window_labels[w], rate, std::nullopt});
    // The forecast uses the middle window (1h by default): long enough to ignore a burst, short
    // enough to follow a leak that started this morning.
    if (w == std::min<std::size_t>(1, options_.windows.size() - 1)) {
      forecast_rate = rate;
    }
  }
  if (forecast_rate && *forecast_rate < 0 && s.mem_available_bytes) {
    s.seconds_to_memory_exhaustion =
        seconds_to_limit(0, -*forecast_rate, static_cast<double>(*s.mem_available_bytes));
  }
  s.available_history = downsample(points, options_.history_points);
}

void ReportBuilder::analyse_cgroups(History& history, const scan::Snapshot& snap,
                                    std::int64_t now_ms, Report& report) {
  std::unordered_map<std::string, const scan::CgroupSample*> by_path;
  for (const auto& c : snap.cgroups) {
    by_path[c.path] = &c;
  }
  const std::int64_t longest = options_.windows.empty() ? 0 : options_.windows.back().count();
  const double now_s = static_cast<double>(now_ms) / 1000.0;
  std::vector<CgroupReport> all;
  for (auto& [key, e] : history.cgroups()) {
    if (!e.present) {
      continue;
    }
    const auto& c = e.last;
    const bool included =
        options_.cgroups.include.empty() ||
        std::any_of(options_.cgroups.include.begin(), options_.cgroups.include.end(),
                    [&](const std::regex& re) { return std::regex_match(c.path, re); });
    const bool excluded =
        std::any_of(options_.cgroups.exclude.begin(), options_.cgroups.exclude.end(),
                    [&](const std::regex& re) { return std::regex_match(c.path, re); });
    // Exported: cgroups holding processes, using memory above the threshold, or that saw an OOM
    // kill (a unit whose only process was killed keeps its counter visible).
    const bool big = c.usage_bytes.value_or(0) >= options_.cgroups.min_usage_bytes &&
                     options_.cgroups.min_usage_bytes > 0;
    if (!included || excluded || depth_of(c.path) > static_cast<int>(options_.cgroups.max_depth) ||
        !(c.processes > 0 || big || c.path == "/" || c.oom_kill_events.value_or(0) > 0)) {
      ++report.self.cgroups_skipped;
      continue;
    }
    CgroupReport r;
    r.path = text_label(c.path);
    r.unit = c.unit;
    r.container_id = c.container_id;
    r.sample = c;
    const Headroom h = headroom_of(c.path, by_path);
    r.effective_limit_bytes = h.limit;

    std::vector<Sample> ws;
    std::vector<HistoryPoint> points;
    e.series.for_each(history.seq_since(now_ms - longest), [&](std::uint64_t seq, const auto& v) {
      const auto t = history.time_of(seq);
      if (t && v[kWorkingSetKib]) {
        const double bytes = static_cast<double>(*v[kWorkingSetKib]) * 1024;
        ws.push_back({static_cast<double>(t->steady_ms) / 1000.0, bytes});
        points.push_back({static_cast<double>(t->wall_ms) / 1000.0, bytes});
      }
    });
    for (std::size_t w = 0; w < options_.windows.size(); ++w) {
      const double from = now_s - static_cast<double>(options_.windows[w].count()) / 1000.0;
      const std::span<const Sample> sub(ws.data() + first_at(ws, from), ws.data() + ws.size());
      r.rates.push_back({options_.window_labels[w], robust_slope(sub), std::nullopt});
    }
    // A cgroup has no start time: judge it as old as its observed history.
    const double observed = ws.size() >= 2 ? ws.back().t - ws.front().t : 0;
    const Verdict v =
        classify(ws, std::max(observed, options_.memory.warmup_grace_seconds + 1), options_.memory);
    r.memory = to_resource(v);
    if (in_pattern(r.memory, {"leak", "growing"}) && v.rate_per_second && h.bytes &&
        *v.rate_per_second > 0) {
      r.memory.seconds_to_limit = *h.bytes / *v.rate_per_second;
      r.memory.limit_kind = "cgroup";
    }
    if (r.memory.suspect) {
      if (!e.suspect_since) {
        e.suspect_since = static_cast<double>(History::to_ms(snap.wall_time)) / 1000.0;
      }
    } else {
      e.suspect_since.reset();
    }
    r.memory.suspect_since_seconds = e.suspect_since;
    r.history = downsample(points, options_.history_points);
    all.push_back(std::move(r));
  }
  if (all.size() > options_.cgroups.max_exported) {
    std::sort(all.begin(), all.end(), [](const CgroupReport& a, const CgroupReport& b) {
      return a.sample.usage_bytes.value_or(0) > b.sample.usage_bytes.value_or(0);
    });
    report.self.cgroups_skipped += all.size() - options_.cgroups.max_exported;
    all.resize(options_.cgroups.max_exported);
  }
  std::sort(all.begin(), all.end(),
            [](const CgroupReport& a, const CgroupReport& b) { return a.path < b.path; });
  report.cgroups = std::move(all);
}

void ReportBuilder::detect_ooms(History& history, const scan::Snapshot& snap, double now_wall,
                                std::int64_t now_ms, std::vector<OomEvent>& new_events) {
  const std::int64_t post_window =
      options_.windows.empty()
          ? 3600000
          : options_.windows[std::min<std::size_t>(1, options_.windows.size() - 1)].count();
  const auto victim_entry = [&](std::int32_t pid) -> ProcessEntry* {
    ProcessEntry* best = nullptr;
    for (auto& [id, e] : history.processes()) {
      if (id.pid == pid && (best == nullptr || id.start_ticks > best->id.start_ticks)) {
        best = &e;
      }
    }
    return best;
  };
  const auto fill_from_history = [&](OomEvent& ev, ProcessEntry& e) {
    ev.pid = e.id.pid;
    if (ev.comm.empty()) {
      ev.comm = e.comm;
    }
    if (ev.cgroup.empty()) {
      ev.cgroup = e.cgroup;
    }
    ev.unit = e.unit;
    ev.group = e.group;
    ev.history = process_history(history, e, now_ms - post_window);
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
    ev.pattern_before = e.pattern;
    ev.was_suspect = e.memory_suspect_since.has_value();
    if (e.memory_suspect_since) {
      ev.flagged_seconds_before = now_wall - *e.memory_suspect_since;
    }
    ev.lifetime_seconds = now_wall - e.last.start_time_seconds;
  };

  std::set<std::string> explained_cgroups;
  std::uint64_t kmsg_kills = 0;
  for (const procfs::OomLine& line : snap.kmsg_oom_lines) {
    ++kmsg_kills;
    OomEvent ev;
    ev.time_seconds = now_wall;
    ev.source = "kmsg";
    ev.pid = line.pid;
    ev.comm = text_label(line.comm.value_or(""));
    ev.cgroup = text_label(line.task_memcg.value_or(""));
    ev.constraint = line.constraint.value_or(line.memcg_oom ? "CONSTRAINT_MEMCG" : "");
    ev.anon_rss_bytes = line.anon_rss_bytes;
    if (ProcessEntry* e = victim_entry(line.pid)) {
      fill_from_history(ev, *e);
    } else {
      ev.group = ev.comm;
    }
    explained_cgroups.insert(ev.cgroup);
    new_events.push_back(std::move(ev));
  }

  kmsg_kills_total_ += kmsg_kills;

  // Counters: kills the kernel log did not tell us about (kmsg unreadable, or its ring
  // overwritten). Kept cumulative, so a kill whose counter and log line land in different scans
  // is counted once.
  std::vector<std::string> moved;
  for (const auto& c : snap.cgroups) {
    if (!c.oom_kill_events) {
      continue;
    }
    const auto it = last_cgroup_oom_.find(c.path);
    if (it != last_cgroup_oom_.end() && *c.oom_kill_events > it->second) {
      moved.push_back(c.path);
    }
    last_cgroup_oom_[c.path] = *c.oom_kill_events;
  }
  // The deepest moved cgroups: counters propagate to ancestors on v2.
  std::vector<std::string> leaves;
  for (const auto& m : moved) {
    const bool has_moved_child = std::any_of(moved.begin(), moved.end(), [&](const auto& o) {
      return o.size() > m.size() && o.compare(0, m.size(), m) == 0 &&
             (m == "/" || o[m.size()] == '/');
    });
    if (!has_moved_child && explained_cgroups.count(text_label(m)) == 0) {
      leaves.push_back(m);
    }
  }
  if (snap.system.vmstat && snap.system.vmstat->oom_kill) {
    const std::uint64_t now_count = *snap.system.vmstat->oom_kill;
    if (last_vmstat_oom_ && now_count > *last_vmstat_oom_) {
      counter_kills_total_ += now_count - *last_vmstat_oom_;
    }
    last_vmstat_oom_ = now_count;
  } else {
    counter_kills_total_ += leaves.size();
  }
  const auto pending = [&] {
    const std::uint64_t explained = kmsg_kills_total_ + counter_events_total_;
    return counter_kills_total_ > explained ? counter_kills_total_ - explained : 0;
  };
  for (const auto& path : leaves) {
    if (pending() == 0) {
      break;
    }
    ++counter_events_total_;
    OomEvent ev;
    ev.time_seconds = now_wall;
    ev.source = "counter";
    ev.cgroup = text_label(path);
    // The probable victim: the largest process of that cgroup (or below) that died this scan.
    ProcessEntry* victim = nullptr;
    for (auto& [id, e] : history.processes()) {
      const std::string& cg = e.last.cgroup;
      const bool inside =
          cg == path || (cg.size() > path.size() && cg.compare(0, path.size(), path) == 0 &&
                         (path == "/" || cg[path.size()] == '/'));
      if (!e.alive && e.died_steady_ms == now_ms && inside &&
          (victim == nullptr ||
           e.last.private_bytes().value_or(0) > victim->last.private_bytes().value_or(0))) {
        victim = &e;
      }
    }
    if (victim != nullptr) {
      fill_from_history(ev, *victim);
    }
    new_events.push_back(std::move(ev));
  }
  // Host-wide kills that neither kmsg nor a cgroup counter explained.
  while (pending() > 0) {
    ++counter_events_total_;
    OomEvent ev;
    ev.time_seconds = now_wall;
    ev.source = "counter";
    new_events.push_back(std::move(ev));
  }
  for (const auto& ev : new_events) {
    ++kills_by_group_[ev.group];
    if (ev.was_suspect) {
      ++flagged_total_;
    }
    events_.push_back(ev);
  }
  while (events_.size() > options_.max_oom_events) {
    events_.pop_front();
  }
}

std::shared_ptr<const Report> ReportBuilder::build(History& history, const scan::Snapshot& snap,
                                                   SelfReport self,
                                                   std::vector<OomEvent>& new_events) {
  auto report = std::make_shared<Report>();
  const std::int64_t now_ms = History::to_ms(snap.taken_at);
  const double now_wall = wall_seconds(snap.wall_time);
  report->generated_at = now_wall;
  report->ready = true;
  report->windows = options_.window_labels;
  report->self = std::move(self);

  analyse_system(history, snap, now_ms, *report);
  analyse_cgroups(history, snap, now_ms, *report);
  std::unordered_map<std::string, const scan::CgroupSample*> by_path;
  for (const auto& c : snap.cgroups) {
    by_path[c.path] = &c;
  }

  report->processes.reserve(history.processes().size());
  for (auto& [id, e] : history.processes()) {
    ProcessReport pr;
    analyse_process(history, e, now_ms, now_wall, pr);
    // Memory time to limit: the tightest cgroup headroom, else the host's MemAvailable.
    if (pr.memory.seconds_to_limit) {
      const double rate = *pr.memory.seconds_to_limit;
      pr.memory.seconds_to_limit.reset();
      const Headroom h = headroom_of(e.last.cgroup, by_path);
      if (h.bytes && rate > 0) {
        pr.memory.seconds_to_limit = *h.bytes / rate;
        pr.memory.limit_kind = "cgroup";
      } else if (report->system.mem_available_bytes && rate > 0) {
        pr.memory.seconds_to_limit =
            static_cast<double>(*report->system.mem_available_bytes) / rate;
        pr.memory.limit_kind = "system";
      }
    }
    report->processes.push_back(std::move(pr));
  }

  // Siblings: compare live members of each group.
  std::map<std::string, std::vector<std::size_t>> members;
  for (std::size_t i = 0; i < report->processes.size(); ++i) {
    if (report->processes[i].alive) {
      members[report->processes[i].group].push_back(i);
    }
  }
  const double min_rate =
      options_.memory.min_growth_bytes_per_hour / options_.memory.hour_seconds();
  for (const auto& [group, idx] : members) {
    if (idx.size() < 2) {
      continue;
    }
    std::vector<SiblingInput> in;
    in.reserve(idx.size());
    for (const std::size_t i : idx) {
      const auto& p = report->processes[i];
      std::optional<double> rate;
      if (!p.rates.empty()) {
        rate = p.rates.back().bytes_per_second;
      }
      in.push_back({static_cast<double>(p.private_bytes().value_or(0)), rate});
    }
    const auto flags = sibling_outliers(in, options_.sibling_outlier_ratio, min_rate);
    for (std::size_t k = 0; k < idx.size() && k < flags.size(); ++k) {
      report->processes[idx[k]].sibling_outlier = flags[k];
    }
  }

  // Tracked: the top-K live processes by private memory, include rules, suspects, outliers.
  std::vector<std::pair<std::uint64_t, std::size_t>> order;
  for (std::size_t i = 0; i < report->processes.size(); ++i) {
    if (report->processes[i].alive) {
      order.emplace_back(report->processes[i].private_bytes().value_or(0), i);
    }
  }
  const std::size_t k = std::min<std::size_t>(options_.top_k, order.size());
  std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(k), order.end(),
                    std::greater<>());
  for (std::size_t i = 0; i < k; ++i) {
    report->processes[order[i].second].tracked = true;
  }
  std::uint64_t tracked = 0;
  for (auto& p : report->processes) {
    const auto it = history.processes().find(p.id);
    if (p.alive && (p.memory.suspect || p.fds.suspect || p.sibling_outlier ||
                    (it != history.processes().end() && it->second.included))) {
      p.tracked = true;
    }
    if (p.tracked) {
      ++tracked;
      const std::int64_t longest = options_.windows.empty() ? 0 : options_.windows.back().count();
      p.history = process_history(history, history.processes().at(p.id), now_ms - longest);
    }
  }
  // Largest private memory first. Sort (key, index) pairs and permute once: ProcessReport is big.
  {
    std::vector<std::pair<std::uint64_t, std::size_t>> keys;
    keys.reserve(report->processes.size());
    for (std::size_t i = 0; i < report->processes.size(); ++i) {
      keys.emplace_back(report->processes[i].private_bytes().value_or(0), i);
    }
    std::stable_sort(keys.begin(), keys.end(),
                     [](const auto& a, const auto& b) { return a.first > b.first; });
    std::vector<ProcessReport> sorted;
    sorted.reserve(keys.size());
    for (const auto& [key, i] : keys) {
      sorted.push_back(std::move(report->processes[i]));
    }
    report->processes = std::move(sorted);
  }

  // Groups.
  std::map<std::string, GroupReport> groups;
  for (const auto& p : report->processes) {
    if (!p.alive) {
      continue;
    }
    GroupReport& g = groups[p.group];
    g.name = p.group;
    ++g.processes;
    g.resident_bytes += p.rss_bytes.value_or(0);
    g.swap_bytes += p.swap_bytes.value_or(0);
    g.open_fds += p.open_fds.value_or(0);
    if (p.pss_bytes) {
      g.pss_bytes = g.pss_bytes.value_or(0) + *p.pss_bytes;
    }
    if (p.memory.suspect || p.fds.suspect) {
      ++g.leak_suspects;
    }
  }
  for (auto& [name, g] : groups) {
    report->groups.push_back(std::move(g));
  }

  detect_ooms(history, snap, now_wall, now_ms, new_events);
  report->oom_events.assign(events_.begin(), events_.end());
  report->oom_kills_by_group = kills_by_group_;
  report->oom_kills_flagged_total = flagged_total_;

  report->self.processes_scanned = snap.processes.size();
  report->self.processes_tracked = tracked;
  report->self.store_bytes = history.bytes();
  report->self.store_series = history.series_count();
  report->self.store_evictions = history.evictions();
  return report;
}

}  // namespace lw::analysis
