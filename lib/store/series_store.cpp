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
  refused_.clear();
}

const ProcessSeries* SeriesStore::find(const model::ProcessId& id) const {
  const auto it = procs_.find(id);
  return it == procs_.end() ? nullptr : &it->second;
}

std::uint64_t SeriesStore::seq_since(std::int64_t since_ms) const {
  const auto seq = times_.first_seq_since(since_ms);
  return seq ? *seq : times_.next_seq();
}

void SeriesStore::set_options(const SeriesStoreOptions& options) {
  const std::size_t capacity =
      static_cast<std::size_t>(std::max<std::int64_t>(
          1, options.retention.count() / std::max<std::int64_t>(1, options.interval.count()))) +
      1;
  if (capacity != times_.capacity()) {
    std::string bytes;
    times_.serialize(bytes);
    std::string_view in = bytes;
    if (auto resized = TimeIndex::deserialize(in, capacity)) {
      times_ = std::move(*resized);
    }
  }
  options_.interval = options.interval;
  options_.retention = options.retention;
  options_.dead_grace = options.dead_grace;
  if (options.max_series != options_.max_series) {
    retry_refused_ = true;
  }
  options_.max_series = options.max_series;
  options_.max_label_bytes = options.max_label_bytes;
}

void SeriesStore::set_protected(std::vector<model::ProcessId> ids) {
  std::unordered_set<model::ProcessId, model::ProcessIdHash> next(ids.begin(), ids.end());
  if (next != protected_) {
    retry_refused_ = true;
    protected_ = std::move(next);
  }
}

bool SeriesStore::is_protected(const ProcessSeries& s) const {
  return s.labels.included || protected_.contains(s.id);
}

namespace {
// What an unprotected live series is worth keeping: its size plus its growth since its smallest
// reading, weighted so that a growing series outranks a larger flat one.
std::uint64_t keep_value(const ProcessSeries& s) {
  const std::uint64_t now = s.last.private_bytes().value_or(0);
  const std::uint64_t growth = s.min_private_bytes < now ? now - s.min_private_bytes : 0;
  return now + 8 * growth;
}
}  // namespace

void SeriesStore::collect_victims() {
  victims_built_ = true;
  victims_.clear();
  std::vector<std::pair<std::uint64_t, model::ProcessId>> dead;
  std::vector<std::pair<std::uint64_t, model::ProcessId>> live;
  for (const auto& [id, s] : procs_) {
    if (is_protected(s)) {
      continue;
    }
    if (!s.alive) {
      dead.emplace_back(static_cast<std::uint64_t>(s.died_steady_ms), id);
    } else {
      live.emplace_back(keep_value(s), id);
    }
  }
  // Taken from the back: the most valuable live ones first in, then the newest dead.
  std::sort(live.begin(), live.end(), std::greater<>());
  std::sort(dead.begin(), dead.end(), std::greater<>());
  for (const auto& v : live) {
    victims_.push_back(v.second);
  }
  for (const auto& v : dead) {
    victims_.push_back(v.second);
  }
}

bool SeriesStore::make_room(bool count_refusal) {
  while (series_count() >= options_.max_series) {
    if (!victims_built_) {
      collect_victims();
    }
    if (victims_.empty()) {
      evictions_.refused += count_refusal ? 1 : 0;
      return false;
    }
    const model::ProcessId id = victims_.back();
    victims_.pop_back();
    const auto it = procs_.find(id);
    if (it == procs_.end() || is_protected(it->second)) {
      continue;  // already gone (renamed into an exclusion) or protected since
    }
    if (it->second.alive) {
      ++evictions_.idle;
      // Not re-admitted next scan (which would evict another): it waits like a refused one.
      refused_[id] = {times_.newest_seq(), true};
    } else {
      ++evictions_.exited;
    }
    procs_.erase(it);
  }
  return true;
}

void SeriesStore::add_process(const model::ProcessSample& p, std::uint64_t seq,
                              const Labeler& labeler) {
  auto labels = labeler ? labeler(p) : std::optional<ProcessLabels>(ProcessLabels{});
  if (!labels) {
    excluded_[p.id] = Excluded{.seq = seq, .identity_version = p.identity_version};
    return;
  }
  if (!make_room(true)) {
    refused_[p.id] = {seq, false};
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
    if (auto ref = refused_.find(p.id); ref != refused_.end()) {
      // A refused one tries again when the protection changed; any tries when the store has room
      // or an exited series to evict (a displaced one not on a protection change: that would
      // swap one live series for another each time).
      bool retry = retry_refused_ && !ref->second.displaced;
      if (!retry && exited_evictable_ > 0) {
        --exited_evictable_;
        retry = true;
      }
      if (!retry && series_count() >= options_.max_series) {
        ref->second.seq = seq;
        continue;
      }
      refused_.erase(ref);
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
      s.smaps_steady_ms = to_ms(snap.taken_at);
      pss = p.smaps->pss_bytes;
    }
    if (const auto priv = p.private_bytes()) {
      s.min_private_bytes = std::min(s.min_private_bytes, *priv);
    }
    s.series.append(seq, {p.private_bytes(), p.rss_bytes, p.open_fds, pss, p.file_bytes});
  }
  std::erase_if(excluded_, [&](const auto& kv) { return kv.second.seq != seq; });
  std::erase_if(refused_, [&](const auto& kv) { return kv.second.seq != seq; });
  retry_refused_ = false;
}

void SeriesStore::expire_processes(std::uint64_t seq, std::int64_t now_ms) {
  const std::int64_t grace_ms = options_.dead_grace.count();
  const std::uint64_t oldest = times_.oldest_seq();
  exited_evictable_ = 0;
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
      exited_evictable_ += is_protected(s) ? 0 : 1;
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
      // A refused cgroup is counted once, not once per scan.
      if (!make_room(!refused_cgroups_.contains(key))) {
        refused_cgroups_.insert(key);
        continue;
      }
      refused_cgroups_.erase(key);
      it = cgroups_.emplace(key, CgroupSeries(options_.chunk_samples)).first;
    }
    CgroupSeries& s = it->second;
    s.last = c;
    s.present = true;
    s.last_seen_seq = seq;
    s.series.append(seq, {c.usage_bytes, c.unreclaimable_bytes(), c.anon_bytes});
  }
  if (series_count() < options_.max_series || refused_cgroups_.size() > options_.max_series) {
    refused_cgroups_.clear();  // room again (or churn): bounded either way
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
  victims_built_ = false;
  victims_.clear();
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
