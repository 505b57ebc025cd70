#include "analysis/crash_loop.h"

#include <algorithm>
#include <iterator>

namespace lw::analysis {

namespace {

bool growing(const std::string& pattern) {
  return pattern == "growing" || pattern == "leak";
}

// A death that counts towards a crash loop.
bool counts(const InstanceDeath& d) {
  return (d.cause == DeathCause::kOomKill || d.cause == DeathCause::kRestarted) &&
         growing(d.pattern);
}

// A death that ends a run: an exit nobody replaced, or an instance that was judged and died
// without growing.
bool breaks(const InstanceDeath& d) {
  if (d.cause == DeathCause::kExited) {
    return true;
  }
  return d.cause != DeathCause::kPending && !d.pattern.empty() && !growing(d.pattern);
}

// Where a service lives: its systemd unit, else its cgroup.
const std::string& home(const std::string& unit, const std::string& cgroup) {
  return unit.empty() ? cgroup : unit;
}

std::string key_of(const EndedInstance& e) {
  std::string key = e.group;
  key += '\0';
  key += home(e.unit, e.cgroup);
  return key;
}

InstanceDeath to_death(const EndedInstance& e, DeathCause cause) {
  return {.pid = e.pid,
          .unit = e.unit,
          .cgroup = e.cgroup,
          .start_seconds = e.start_seconds,
          .end_seconds = e.gone_seconds,
          .peak_private_bytes = e.peak_private_bytes,
          .pattern = e.pattern,
          .cause = cause};
}

// The kernel log names the victim's pid; the event is read the scan of the kill or soon after,
// while the pid cannot have been reused by an instance first seen before it.
bool killed_by(const EndedInstance& e, const OomEvent& ev, const CrashLoopOptions& options) {
  return ev.pid == e.pid && ev.time_seconds >= e.first_seen_seconds &&
         ev.time_seconds <= e.gone_seconds + options.restart_within_seconds;
}

// A replacement is first seen after the last scan that saw the instance alive, and at most
// restart_within after the first scan that did not (so up to one scan interval of slack).
bool replaced_by(const EndedInstance& e, const Arrival& a, const CrashLoopOptions& options) {
  return a.group == e.group && home(a.unit, a.cgroup) == home(e.unit, e.cgroup) &&
         a.first_seen_seconds > e.last_seen_seconds &&
         a.first_seen_seconds <= e.gone_seconds + options.restart_within_seconds;
}

}  // namespace

std::size_t longest_crash_run(std::span<const InstanceDeath> deaths) {
  std::size_t run = 0;
  std::size_t longest = 0;
  for (const InstanceDeath& d : deaths) {
    if (counts(d)) {
      longest = std::max(longest, ++run);
    } else if (breaks(d)) {
      run = 0;
    }
  }
  return longest;
}

void CrashLoopTracker::record(std::span<const EndedInstance> ended) {
  for (const EndedInstance& e : ended) {
    const std::string key = key_of(e);
    auto it = deaths_.find(key);
    if (it == deaths_.end()) {
      if (!growing(e.pattern)) {
        continue;
      }
      if (deaths_.size() >= kMaxCrashLoopGroups) {
        // Forget the group whose newest death is the oldest.
        const auto stalest = std::min_element(deaths_.begin(), deaths_.end(), [](auto& a, auto& b) {
          return a.second.back().instance.gone_seconds < b.second.back().instance.gone_seconds;
        });
        deaths_.erase(stalest);
      }
      it = deaths_.emplace(key, std::vector<Death>{}).first;
    }
    std::vector<Death>& deaths = it->second;
    deaths.push_back({e, DeathCause::kPending});
    if (deaths.size() > kMaxInstancesPerGroup) {
      deaths.erase(deaths.begin());
    }
  }
}

std::optional<double> CrashLoopTracker::earliest_pending() const {
  std::optional<double> earliest;
  for (const auto& [key, deaths] : deaths_) {
    for (const Death& d : deaths) {
      if (d.cause == DeathCause::kPending &&
          (!earliest || d.instance.last_seen_seconds < *earliest)) {
        earliest = d.instance.last_seen_seconds;
      }
    }
  }
  return earliest;
}

void CrashLoopTracker::settle(std::span<const Arrival> arrivals, std::span<const OomEvent> ooms,
                              double now_wall, const CrashLoopOptions& options) {
  const double oldest = now_wall - options.window_seconds;
  for (auto it = deaths_.begin(); it != deaths_.end();) {
    std::vector<Death>& deaths = it->second;
    std::erase_if(deaths, [&](const Death& d) { return d.instance.gone_seconds < oldest; });
    for (Death& d : deaths) {
      const EndedInstance& e = d.instance;
      // Settled deaths change only while an OOM event may still name them; an OOM kill outranks
      // a replacement (it says why the instance died, the replacement only that it came back).
      const bool recent = now_wall <= e.gone_seconds + options.restart_within_seconds;
      if (d.cause == DeathCause::kOomKill || (d.cause != DeathCause::kPending && !recent)) {
        continue;
      }
      if (std::any_of(ooms.begin(), ooms.end(),
                      [&](const OomEvent& ev) { return killed_by(e, ev, options); })) {
        d.cause = DeathCause::kOomKill;
      } else if (d.cause == DeathCause::kPending) {
        if (std::any_of(arrivals.begin(), arrivals.end(),
                        [&](const Arrival& a) { return replaced_by(e, a, options); })) {
          d.cause = DeathCause::kRestarted;
        } else if (now_wall > e.gone_seconds + options.restart_within_seconds) {
          d.cause = DeathCause::kExited;
        }
      }
    }
    it = deaths.empty() ? deaths_.erase(it) : std::next(it);
  }
}

std::vector<GroupCrashLoop> CrashLoopTracker::groups() const {
  std::vector<GroupCrashLoop> out;
  for (const auto& [key, deaths] : deaths_) {
    // Keys of one group are adjacent: the map orders by group first ('\0' ends it).
    const std::string& group = deaths.front().instance.group;
    if (out.empty() || out.back().group != group) {
      out.emplace_back().group = group;
    }
    std::vector<InstanceDeath> home_deaths;
    home_deaths.reserve(deaths.size());
    for (const Death& d : deaths) {
      home_deaths.push_back(to_death(d.instance, d.cause));
    }
    GroupCrashLoop& g = out.back();
    g.crash_loop = g.crash_loop || longest_crash_run(home_deaths) >= kMinCrashLoopDeaths;
    g.deaths.insert(g.deaths.end(), home_deaths.begin(), home_deaths.end());
  }
  for (GroupCrashLoop& g : out) {
    std::stable_sort(g.deaths.begin(), g.deaths.end(),
                     [](const auto& a, const auto& b) { return a.end_seconds < b.end_seconds; });
  }
  return out;
}

std::vector<EndedInstance> ended_this_scan(const store::SeriesStore& store,
                                           const VerdictState& verdicts, double now_wall) {
  std::vector<EndedInstance> out;
  const std::uint64_t seq = store.current_seq();
  for (const auto& [id, s] : store.processes()) {
    // Marked dead by this scan's append: seen by the previous scan, missing from this one.
    if (s.alive || s.last_seen_seq + 1 != seq) {
      continue;
    }
    const auto last_seen = store.time_of(s.last_seen_seq);
    const auto first_seen = store.time_of(s.first_seq);
    const ProcessVerdictState* state = verdicts.find(id);
    out.push_back({
        .group = s.labels.group,
        .unit = s.labels.unit,
        .cgroup = s.labels.cgroup,
        .pid = id.pid,
        .start_seconds = s.last.start_time_seconds,
        .first_seen_seconds = first_seen ? static_cast<double>(first_seen->wall_ms) / 1000.0
                                         : s.last.start_time_seconds,
        .last_seen_seconds =
            last_seen ? static_cast<double>(last_seen->wall_ms) / 1000.0 : now_wall,
        .gone_seconds = now_wall,
        .peak_private_bytes = s.series.range_since(store::kPrivateBytes, 0).max,
        .pattern = state != nullptr ? state->pattern : std::string(),
    });
  }
  return out;
}

std::vector<Arrival> arrivals_since(const store::SeriesStore& store, double since) {
  std::vector<Arrival> out;
  for (const auto& [id, s] : store.processes()) {
    if (!s.alive) {
      continue;
    }
    const auto first_seen = store.time_of(s.first_seq);
    if (!first_seen || static_cast<double>(first_seen->wall_ms) / 1000.0 <= since) {
      continue;
    }
    out.push_back({.group = s.labels.group,
                   .unit = s.labels.unit,
                   .cgroup = s.labels.cgroup,
                   .pid = id.pid,
                   .first_seen_seconds = static_cast<double>(first_seen->wall_ms) / 1000.0});
  }
  return out;
}

}  // namespace lw::analysis
