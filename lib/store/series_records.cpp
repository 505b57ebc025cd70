#include "store/series_records.h"

#include <array>
#include <limits>
#include <optional>
#include <utility>

#include "base/text.h"
#include "store/varint.h"

namespace lw::store {

namespace {

constexpr std::uint64_t kIncluded = 1;
constexpr std::uint64_t kSmapsForced = 2;
constexpr std::uint64_t kAlive = 4;
constexpr std::uint64_t kKnownFlags = 7;

void put_sample(std::string& out, const model::ProcessSample& p) {
  varint::put_i64(out, p.ppid);
  varint::put_u64(out, static_cast<unsigned char>(p.state));
  varint::put_bytes(out, p.comm);
  put_opt(out, p.uid);
  varint::put_u64(out, p.cpu_ticks);
  put_f64(out, p.start_time_seconds);
  for (const auto* v : {&p.rss_bytes, &p.anon_bytes, &p.file_bytes, &p.shmem_bytes, &p.swap_bytes,
                        &p.vsize_bytes, &p.open_fds, &p.max_fds}) {
    put_opt(out, *v);
  }
  varint::put_bytes(out, p.cgroup);
  varint::put_bytes(out, p.unit);
}

// The fields of SmapsRollup, in declaration order (the payload's order).
template <typename Smaps>
auto smaps_fields(Smaps& s) {
  return std::array{&s.rss_bytes,           &s.pss_bytes,
                    &s.pss_anon_bytes,      &s.pss_file_bytes,
                    &s.pss_shmem_bytes,     &s.private_clean_bytes,
                    &s.private_dirty_bytes, &s.swap_bytes,
                    &s.swap_pss_bytes,      &s.anon_huge_pages_bytes};
}

// The optional u64 fields of CgroupSample in the payload's order (the four headroom terms last).
template <typename Sample>
auto cgroup_fields(Sample& c) {
  return std::array{&c.usage_bytes,
                    &c.anon_bytes,
                    &c.file_bytes,
                    &c.shmem_bytes,
                    &c.kernel_bytes,
                    &c.sock_bytes,
                    &c.anon_thp_bytes,
                    &c.inactive_file_bytes,
                    &c.swap_bytes,
                    &c.limit_bytes,
                    &c.high_bytes,
                    &c.swap_limit_bytes,
                    &c.oom_events,
                    &c.oom_kill_events,
                    &c.failcnt,
                    &c.active_file_bytes,
                    &c.slab_reclaimable_bytes,
                    &c.dirty_bytes,
                    &c.writeback_bytes};
}

void put_pressure_line(std::string& out, const std::optional<procfs::PressureLine>& line) {
  varint::put_u64(out, line ? 1 : 0);
  if (line) {
    put_f64(out, line->avg10);
    put_f64(out, line->avg60);
    put_f64(out, line->avg300);
    varint::put_u64(out, line->total_us);
  }
}

// --- reading

model::ProcessSample read_sample(PayloadReader& r, const model::ProcessId& id) {
  model::ProcessSample p;
  p.id = id;
  const std::int64_t ppid = r.i64();
  if (ppid < std::numeric_limits<std::int32_t>::min() ||
      ppid > std::numeric_limits<std::int32_t>::max()) {
    r.fail("ppid out of range");
  }
  p.ppid = static_cast<std::int32_t>(ppid);
  p.state = static_cast<char>(static_cast<unsigned char>(r.bounded(255)));
  p.comm = std::string(r.bytes());
  const auto uid = r.opt();
  if (uid && *uid > std::numeric_limits<std::uint32_t>::max()) {
    r.fail("uid out of range");
  } else if (uid) {
    p.uid = static_cast<std::uint32_t>(*uid);
  }
  p.cpu_ticks = r.u64();
  p.start_time_seconds = r.f64();
  for (auto* v : {&p.rss_bytes, &p.anon_bytes, &p.file_bytes, &p.shmem_bytes, &p.swap_bytes,
                  &p.vsize_bytes, &p.open_fds, &p.max_fds}) {
    *v = r.opt();
  }
  p.cgroup = std::string(r.bytes());
  p.unit = std::string(r.bytes());
  return p;
}

std::optional<procfs::PressureLine> read_pressure_line(PayloadReader& r) {
  if (!r.flag()) {
    return std::nullopt;
  }
  procfs::PressureLine line;
  line.avg10 = r.f64();
  line.avg60 = r.f64();
  line.avg300 = r.f64();
  line.total_us = r.u64();
  return line;
}

}  // namespace

void put_process_id(std::string& out, const model::ProcessId& id) {
  varint::put_i64(out, id.pid);
  varint::put_u64(out, id.start_ticks);
}

model::ProcessId read_process_id(PayloadReader& r) {
  model::ProcessId id;
  const std::int64_t pid = r.i64();
  if (pid <= 0 || pid > std::numeric_limits<std::int32_t>::max()) {
    r.fail("pid out of range");
  }
  id.pid = static_cast<std::int32_t>(pid);
  id.start_ticks = r.u64();
  return id;
}

void put_process(std::string& out, const ProcessSeries& e) {
  put_process_id(out, e.id);
  varint::put_bytes(out, e.labels.comm);
  varint::put_bytes(out, e.labels.group);
  varint::put_bytes(out, e.labels.cgroup);
  varint::put_bytes(out, e.labels.unit);
  varint::put_u64(out, (e.labels.included ? kIncluded : 0) |
                           (e.labels.smaps_forced ? kSmapsForced : 0) | (e.alive ? kAlive : 0));
  varint::put_u64(out, e.first_seq);
  varint::put_u64(out, e.last_seen_seq);
  varint::put_i64(out, e.died_steady_ms);
  put_sample(out, e.last);
  varint::put_u64(out, e.smaps ? 1 : 0);
  if (e.smaps) {
    for (const auto* f : smaps_fields(*e.smaps)) {
      put_opt(out, *f);
    }
    varint::put_i64(out, e.smaps_wall_ms);
  }
  e.series.serialize(out);
}

void put_cgroup(std::string& out, const std::string& key, const CgroupSeries& e) {
  const model::CgroupSample& c = e.last;
  varint::put_bytes(out, key);
  varint::put_bytes(out, c.path);
  varint::put_bytes(out, c.unit);
  varint::put_u64(out, c.inode);
  varint::put_u64(out, c.version == model::CgroupVersion::kV2 ? 1 : 0);
  for (const auto* f : cgroup_fields(c)) {
    put_opt(out, *f);
  }
  varint::put_u64(out, c.pressure ? 1 : 0);
  if (c.pressure) {
    put_pressure_line(out, c.pressure->some);
    put_pressure_line(out, c.pressure->full);
  }
  varint::put_u64(out, c.processes);
  e.series.serialize(out);
  varint::put_u64(out, e.last_seen_seq);
  varint::put_u64(out, e.present ? 1 : 0);
}

ProcessSeries read_process(PayloadReader& r, const SeriesStoreOptions& options) {
  ProcessSeries e(options.chunk_samples);
  e.id = read_process_id(r);
  // Re-sanitised with the current limits (max_label_bytes may have changed); idempotent otherwise.
  e.labels.comm = text::sanitize_utf8(r.bytes(), options.max_label_bytes);
  e.labels.group = text::sanitize_utf8(r.bytes(), options.max_label_bytes);
  e.labels.cgroup = text::sanitize_utf8(r.bytes(), 4 * options.max_label_bytes);
  e.labels.unit = text::sanitize_utf8(r.bytes(), options.max_label_bytes);
  const std::uint64_t flags = r.bounded(kKnownFlags);
  e.labels.included = (flags & kIncluded) != 0;
  e.labels.smaps_forced = (flags & kSmapsForced) != 0;
  e.alive = (flags & kAlive) != 0;
  e.first_seq = r.u64();
  e.last_seen_seq = r.u64();
  e.died_steady_ms = r.i64();
  e.last = read_sample(r, e.id);
  if (r.flag()) {
    procfs::SmapsRollup s;
    for (auto* f : smaps_fields(s)) {
      *f = r.opt();
    }
    e.smaps = s;
    e.smaps_wall_ms = r.i64();
  }
  e.series = r.series<kProcessChannels>();
  return e;
}

CgroupSeries read_cgroup(PayloadReader& r, const SeriesStoreOptions& options) {
  CgroupSeries e(options.chunk_samples);
  model::CgroupSample& c = e.last;
  c.path = std::string(r.bytes());
  c.unit = std::string(r.bytes());
  c.inode = r.u64();
  c.version = r.flag() ? model::CgroupVersion::kV2 : model::CgroupVersion::kV1;
  for (auto* f : cgroup_fields(c)) {
    *f = r.opt();
  }
  if (r.flag()) {
    procfs::Pressure p;
    p.some = read_pressure_line(r);
    p.full = read_pressure_line(r);
    c.pressure = p;
  }
  c.processes = static_cast<std::uint32_t>(r.bounded(std::numeric_limits<std::uint32_t>::max()));
  e.series = r.series<kCgroupChannels>();
  e.last_seen_seq = r.u64();
  e.present = r.flag();
  return e;
}

}  // namespace lw::store
