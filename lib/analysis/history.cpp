#include "analysis/history.h"

#include <algorithm>
#include <utility>

#include "base/text.h"

namespace lw::analysis {

namespace {
std::string cgroup_key(const scan::CgroupSample& c) {
  std::string key = c.path;
  key.push_back('\0');
  key += std::to_string(c.inode);
  return key;
}
}  // namespace

History::History(HistoryOptions options)
    : options_(options),
      times_(
          static_cast<std::size_t>(std::max<std::int64_t>(
              1, options.retention.count() / std::max<std::int64_t>(1, options.interval.count()))) +
          1),
      system_(options.chunk_samples) {}

std::int64_t History::to_ms(scan::SteadyTime t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}
std::int64_t History::to_ms(scan::WallTime t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

void History::restore_index(store::TimeIndex times,
                            store::CompressedSeries<kSystemChannels> system) {
  times_ = std::move(times);
  system_ = std::move(system);
}

std::uint64_t History::seq_since(std::int64_t since_ms) const {
  const auto seq = times_.first_seq_since(since_ms);
  return seq ? *seq : times_.next_seq();
}

bool History::make_room() {
  if (series_count() < options_.max_series) {
    return true;
  }
  // Evict the longest-dead process first; live series are never evicted for new ones.
  auto victim = procs_.end();
  for (auto it = procs_.begin(); it != procs_.end(); ++it) {
    if (!it->second.alive &&
        (victim == procs_.end() || it->second.died_steady_ms < victim->second.died_steady_ms)) {
      victim = it;
    }
  }
  if (victim == procs_.end()) {
    ++evictions_;  // refused: counted as an eviction of the newcomer
    return false;
  }
  procs_.erase(victim);
  ++evictions_;
  return true;
}

bool History::apply_rules(ProcessEntry& e, const scan::ProcessSample& p, const ProcessRules& rules,
                          const IdentityLookup& identity) const {
  ProcessFacts facts;
  facts.comm = p.comm;
  facts.cgroup = p.cgroup;
  facts.unit = p.unit;
  facts.pid = p.id.pid;
  if (rules.needs_identity && identity) {
    const auto [exe, cmdline] = identity(p.id);
    facts.exe = exe;
    facts.cmdline = cmdline;
  }
  if (rules.excluded(facts)) {
    return false;
  }
  e.comm = text::sanitize_utf8(p.comm, options_.max_label_bytes);
  e.group = text::sanitize_utf8(rules.group_of(facts), options_.max_label_bytes);
  e.cgroup = text::sanitize_utf8(p.cgroup, 4 * options_.max_label_bytes);
  e.unit = text::sanitize_utf8(p.unit, options_.max_label_bytes);
  e.included = rules.included(facts);
  e.smaps_forced = rules.smaps_forced(facts);
  return true;
}

void History::add_process(const scan::ProcessSample& p, std::uint64_t seq,
                          const ProcessRules& rules, const IdentityLookup& identity) {
  ProcessEntry e(options_.chunk_samples);
  e.id = p.id;
  e.first_seq = seq;
  if (!apply_rules(e, p, rules, identity)) {
    excluded_[p.id] = seq;
    return;
  }
  if (!make_room()) {
    return;
  }
  procs_.emplace(p.id, std::move(e));
}

void History::ingest(const scan::Snapshot& snap, const ProcessRules& rules,
                     const IdentityLookup& identity) {
  const std::int64_t now_ms = to_ms(snap.taken_at);
  const std::uint64_t seq = times_.push(now_ms, to_ms(snap.wall_time));

  for (const scan::ProcessSample& p : snap.processes) {
    if (auto ex = excluded_.find(p.id); ex != excluded_.end()) {
      ex->second = seq;
      continue;
    }
    auto it = procs_.find(p.id);
    if (it == procs_.end()) {
      add_process(p, seq, rules, identity);
      it = procs_.find(p.id);
      if (it == procs_.end()) {
        continue;
      }
    }
    ProcessEntry& e = it->second;
    // A process that renamed itself (execve, or prctl(PR_SET_NAME) after fork) gets its labels,
    // group and include/exclude decisions again: a shell wrapper that execs a service must not
    // stay "sh" for life.
    if (p.comm != e.last.comm && e.last_seen_seq != 0 && !apply_rules(e, p, rules, identity)) {
      excluded_[p.id] = seq;
      procs_.erase(it);
      continue;
    }
    e.last = p;
    e.alive = true;
    e.last_seen_seq = seq;
    std::optional<std::uint64_t> pss;
    if (p.smaps) {
      e.smaps = p.smaps;
      e.smaps_wall_ms = to_ms(snap.wall_time);
      pss = to_kib(p.smaps->pss_bytes);
    }
    e.series.append(seq, {to_kib(p.private_bytes()), to_kib(p.rss_bytes), p.open_fds, pss,
                          to_kib(p.file_bytes)});
  }

  const std::int64_t grace_ms = options_.dead_grace.count();
  std::erase_if(excluded_, [&](const auto& kv) { return kv.second != seq; });
  const std::uint64_t oldest = times_.oldest_seq();
  for (auto it = procs_.begin(); it != procs_.end();) {
    ProcessEntry& e = it->second;
    if (e.last_seen_seq != seq) {
      if (e.alive) {
        e.alive = false;
        e.died_steady_ms = now_ms;
      }
      if (now_ms - e.died_steady_ms > grace_ms) {
        it = procs_.erase(it);
        continue;
      }
    }
    e.series.drop_before(oldest);
    ++it;
  }

  for (const scan::CgroupSample& c : snap.cgroups) {
    const std::string key = cgroup_key(c);
    auto it = cgroups_.find(key);
    if (it == cgroups_.end()) {
      if (!make_room()) {
        continue;
      }
      it = cgroups_.emplace(key, CgroupEntry(options_.chunk_samples)).first;
    }
    CgroupEntry& e = it->second;
    e.last = c;
    e.present = true;
    e.last_seen_seq = seq;
    e.series.append(seq,
                    {to_kib(c.usage_bytes), to_kib(c.working_set_bytes()), to_kib(c.anon_bytes)});
  }
  for (auto it = cgroups_.begin(); it != cgroups_.end();) {
    CgroupEntry& e = it->second;
    if (e.last_seen_seq != seq) {
      e.present = false;
      const auto seen = times_.at(e.last_seen_seq);
      if (!seen || now_ms - seen->steady_ms > grace_ms) {
        it = cgroups_.erase(it);
        continue;
      }
    }
    e.series.drop_before(oldest);
    ++it;
  }

  std::optional<std::uint64_t> available;
  std::optional<std::uint64_t> swap_used;
  if (snap.system.meminfo) {
    const auto& m = *snap.system.meminfo;
    available = to_kib(m.mem_available_bytes);
    if (m.swap_total_bytes && m.swap_free_bytes && *m.swap_total_bytes >= *m.swap_free_bytes) {
      swap_used = to_kib(*m.swap_total_bytes - *m.swap_free_bytes);
    }
  }
  system_.append(seq, {available, swap_used});
  system_.drop_before(oldest);
}

std::size_t History::bytes() const {
  std::size_t total = times_.bytes() + system_.bytes();
  for (const auto& [id, e] : procs_) {
    total += sizeof(e) + e.series.bytes() + e.comm.capacity() + e.group.capacity() +
             e.cgroup.capacity() + e.last.comm.capacity() + e.last.cgroup.capacity() + 32;
  }
  for (const auto& [key, e] : cgroups_) {
    total += sizeof(e) + key.capacity() + e.series.bytes() + e.last.path.capacity() + 32;
  }
  return total;
}

}  // namespace lw::analysis
