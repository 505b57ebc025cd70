#include "store/series_store.h"

#include <algorithm>
#include <utility>

#include "base/text.h"

namespace lw::store {

std::string cgroup_key(const model::CgroupSample& c) {
  std::string key = c.path;
  key.push_back('\0');
  key += std::to_string(c.inode);
  return key;
}

SeriesStore::SeriesStore(SeriesStoreOptions options)
    : options_(options),
      times_(
          static_cast<std::size_t>(std::max<std::int64_t>(
              1, options.retention.count() / std::max<std::int64_t>(1, options.interval.count()))) +
          1),
      system_(options.chunk_samples) {}

std::int64_t SeriesStore::to_ms(model::SteadyTime t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}
std::int64_t SeriesStore::to_ms(model::WallTime t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

void SeriesStore::restore(TimeIndex times, CompressedSeries<kSystemChannels> system,
                          ProcessMap processes, CgroupMap cgroups) {
  times_ = std::move(times);
  system_ = std::move(system);
  procs_ = std::move(processes);
  cgroups_ = std::move(cgroups);
  excluded_.clear();
}

const ProcessSeries* SeriesStore::find(const model::ProcessId& id) const {
  const auto it = procs_.find(id);
  return it == procs_.end() ? nullptr : &it->second;
}

std::uint64_t SeriesStore::seq_since(std::int64_t since_ms) const {
  const auto seq = times_.first_seq_since(since_ms);
  return seq ? *seq : times_.next_seq();
}

bool SeriesStore::make_room() {
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

void SeriesStore::add_process(const model::ProcessSample& p, std::uint64_t seq,
                              const Labeler& labeler) {
  auto labels = labeler ? labeler(p) : std::optional<ProcessLabels>(ProcessLabels{});
  if (!labels) {
    excluded_[p.id] = Excluded{.seq = seq, .identity_version = p.identity_version};
    return;
  }
  if (!make_room()) {
    return;
  }
  ProcessSeries s(options_.chunk_samples);
  s.id = p.id;
  s.first_seq = seq;
  s.labels = std::move(*labels);
  if (!labeler) {  // no rules: labelled by comm, sanitised as a Labeler would
    s.labels.comm = text::sanitize_utf8(p.comm, options_.max_label_bytes);
    s.labels.group = s.labels.comm;
    s.labels.cgroup = text::sanitize_utf8(p.cgroup, 4 * options_.max_label_bytes);
    s.labels.unit = text::sanitize_utf8(p.unit, options_.max_label_bytes);
  }
  procs_.emplace(p.id, std::move(s));
}

bool SeriesStore::relabel(ProcessSeries& s, const model::ProcessSample& p, std::uint64_t seq,
                          const Labeler& labeler) {
  if (!labeler) {  // no rules: only the cgroup and unit labels can change
    s.labels.cgroup = text::sanitize_utf8(p.cgroup, 4 * options_.max_label_bytes);
    s.labels.unit = text::sanitize_utf8(p.unit, options_.max_label_bytes);
    return true;
  }
  auto labels = labeler(p);
  if (!labels) {
    excluded_[p.id] = Excluded{.seq = seq, .identity_version = p.identity_version};
    return false;
  }
  s.labels = std::move(*labels);
  return true;
}

void SeriesStore::append_processes(const model::Snapshot& snap, std::uint64_t seq,
                                   const Labeler& labeler) {
  for (const model::ProcessSample& p : snap.processes) {
    if (auto ex = excluded_.find(p.id); ex != excluded_.end()) {
      if (ex->second.identity_version == p.identity_version) {
        ex->second.seq = seq;
        continue;
      }
      excluded_.erase(ex);  // a new identity: the rules are applied again
    }
    auto it = procs_.find(p.id);
    if (it == procs_.end()) {
      add_process(p, seq, labeler);
      it = procs_.find(p.id);
      if (it == procs_.end()) {
        continue;
      }
    }
    ProcessSeries& s = it->second;
    // A process that renamed itself (execve, or prctl(PR_SET_NAME) after fork) or whose cgroup,
    // exe or cmdline changed (the sampler's identity_version) is labelled again: a shell wrapper
    // that execs a service must not stay "sh" for life, nor a process moved into its cgroup after
    // start keep its parent's.
    const bool renamed = p.comm != s.last.comm || p.identity_version != s.last.identity_version;
    if (renamed && s.last_seen_seq != 0) {
      if (!relabel(s, p, seq, labeler)) {
        procs_.erase(it);
        continue;
      }
    }
    s.last = p;
    s.alive = true;
    s.last_seen_seq = seq;
    std::optional<std::uint64_t> pss;
    if (p.smaps) {
      s.smaps = p.smaps;
      s.smaps_wall_ms = to_ms(snap.wall_time);
      pss = p.smaps->pss_bytes;
    }
    s.series.append(seq, {p.private_bytes(), p.rss_bytes, p.open_fds, pss, p.file_bytes});
  }
  std::erase_if(excluded_, [&](const auto& kv) { return kv.second.seq != seq; });
}

void SeriesStore::expire_processes(std::uint64_t seq, std::int64_t now_ms) {
  const std::int64_t grace_ms = options_.dead_grace.count();
  const std::uint64_t oldest = times_.oldest_seq();
  for (auto it = procs_.begin(); it != procs_.end();) {
    ProcessSeries& s = it->second;
    if (s.last_seen_seq != seq) {
      if (s.alive) {
        s.alive = false;
        s.died_steady_ms = now_ms;
      }
      if (now_ms - s.died_steady_ms > grace_ms) {
        it = procs_.erase(it);
        continue;
      }
    }
    s.series.drop_before(oldest);
    ++it;
  }
}

void SeriesStore::append_cgroups(const model::Snapshot& snap, std::uint64_t seq,
                                 std::int64_t now_ms) {
  for (const model::CgroupSample& c : snap.cgroups) {
    const std::string key = cgroup_key(c);
    auto it = cgroups_.find(key);
    if (it == cgroups_.end()) {
      if (!make_room()) {
        continue;
      }
      it = cgroups_.emplace(key, CgroupSeries(options_.chunk_samples)).first;
    }
    CgroupSeries& s = it->second;
    s.last = c;
    s.present = true;
    s.last_seen_seq = seq;
    s.series.append(seq, {c.usage_bytes, c.unreclaimable_bytes(), c.anon_bytes});
  }
  const std::int64_t grace_ms = options_.dead_grace.count();
  const std::uint64_t oldest = times_.oldest_seq();
  for (auto it = cgroups_.begin(); it != cgroups_.end();) {
    CgroupSeries& s = it->second;
    if (s.last_seen_seq != seq) {
      s.present = false;
      const auto seen = times_.at(s.last_seen_seq);
      if (!seen || now_ms - seen->steady_ms > grace_ms) {
        it = cgroups_.erase(it);
        continue;
      }
    }
    s.series.drop_before(oldest);
    ++it;
  }
}

void SeriesStore::append_system(const model::Snapshot& snap, std::uint64_t seq) {
  std::optional<std::uint64_t> available;
  std::optional<std::uint64_t> swap_used;
  if (snap.system.meminfo) {
    const auto& m = *snap.system.meminfo;
    available = m.mem_available_bytes;
    if (m.swap_total_bytes && m.swap_free_bytes && *m.swap_total_bytes >= *m.swap_free_bytes) {
      swap_used = *m.swap_total_bytes - *m.swap_free_bytes;
    }
  }
  system_.append(seq, {available, swap_used});
  system_.drop_before(times_.oldest_seq());
}

void SeriesStore::append(const model::Snapshot& snap, const Labeler& labeler) {
  const std::int64_t now_ms = to_ms(snap.taken_at);
  const std::uint64_t seq = times_.push(now_ms, to_ms(snap.wall_time));
  append_processes(snap, seq, labeler);
  expire_processes(seq, now_ms);
  append_cgroups(snap, seq, now_ms);
  append_system(snap, seq);
}

std::size_t SeriesStore::bytes() const {
  std::size_t total = times_.bytes() + system_.bytes();
  for (const auto& [id, s] : procs_) {
    total += sizeof(s) + s.series.bytes() + s.labels.comm.capacity() + s.labels.group.capacity() +
             s.labels.cgroup.capacity() + s.last.comm.capacity() + s.last.cgroup.capacity() + 32;
  }
  for (const auto& [key, s] : cgroups_) {
    total += sizeof(s) + key.capacity() + s.series.bytes() + s.last.path.capacity() + 32;
  }
  return total;
}

}  // namespace lw::store
