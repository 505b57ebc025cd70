#include <algorithm>
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "analysis/report_builder.h"
#include "analysis/verdict_snapshot.h"
#include "store/series_snapshot.h"
#include "store/snapshot_file.h"

namespace lw::analysis {
namespace {

using store::CgroupSeries;
using store::kStoreFormatVersion;
using store::ProcessSeries;
using store::restore_store;
using store::serialize_store;
using store::SeriesStore;
using store::SeriesStoreOptions;

using namespace std::chrono_literals;

constexpr std::int64_t kSteady0 = 7'000'000'000;    // ms: a boot some 81 days old
constexpr std::int64_t kWall0 = 1'700'000'000'000;  // ms since the epoch
constexpr std::int64_t kStep = 10'000;              // one scan every 10 s
constexpr std::uint64_t kKiB = 1024;
constexpr std::string_view kBoot = "1b2a9c1e-0000-4000-8000-000000000001";

const model::ProcessId kLeaky{100, 5000};
const model::ProcessId kSteady{200, 6000};
const model::ProcessId kGone{300, 7000};   // exits after scan 29: dead in the snapshot already
const model::ProcessId kLater{400, 8000};  // alive at the snapshot; "exits" during the restart

SeriesStoreOptions test_options() {
  SeriesStoreOptions o;
  o.interval = 10s;
  o.retention = 1h;
  o.dead_grace = 15min;
  o.chunk_samples = 16;  // several closed chunks per series
  return o;
}

model::ProcessSample proc(const model::ProcessId& id, const std::string& comm,
                          std::uint64_t anon_kib, std::uint64_t fds) {
  model::ProcessSample p;
  p.id = id;
  p.ppid = 1;
  p.state = 'S';
  p.comm = comm;
  p.uid = 1000;
  p.cpu_ticks = 50 + anon_kib;
  p.start_time_seconds = static_cast<double>(kWall0) / 1000.0 - 3600.5;
  p.rss_bytes = (anon_kib + 2048) * kKiB;
  p.anon_bytes = anon_kib * kKiB;
  p.file_bytes = 2048 * kKiB;
  p.shmem_bytes = 0;
  p.swap_bytes = 8 * kKiB;
  p.vsize_bytes = 1 << 30;
  p.open_fds = fds;
  p.max_fds = 1024;
  p.cgroup = "/system.slice/" + comm + ".service";
  p.unit = comm + ".service";
  return p;
}

model::CgroupSample cgroup(const std::string& path, std::uint64_t inode, std::uint64_t usage_kib) {
  model::CgroupSample c;
  c.path = path;
  c.unit = path == "/" ? "" : "app.service";
  c.inode = inode;
  c.usage_bytes = usage_kib * kKiB;
  c.anon_bytes = usage_kib * kKiB / 2;
  c.inactive_file_bytes = 100 * kKiB;
  c.limit_bytes = 1 << 30;
  c.oom_kill_events = 0;
  c.pressure =
      procfs::Pressure{.some = procfs::PressureLine{0.5, 0.25, 0.125, 12345}, .full = std::nullopt};
  c.processes = 3;
  return c;
}

model::Snapshot scan_at(std::int64_t steady_ms, std::int64_t wall_ms) {
  model::Snapshot s;
  s.taken_at = model::SteadyTime(std::chrono::milliseconds(steady_ms));
  s.wall_time = model::WallTime(std::chrono::milliseconds(wall_ms));
  procfs::Meminfo m;
  m.mem_total_bytes = 16ULL << 30;
  m.mem_available_bytes = (8ULL << 30) - static_cast<std::uint64_t>(steady_ms % 997) * kKiB;
  m.swap_total_bytes = 1ULL << 30;
  m.swap_free_bytes = 1ULL << 29;
  s.system.meminfo = m;
  return s;
}

// Scan i of the synthetic workload (steady and wall clocks advance together).
model::Snapshot workload_scan(int i, bool with_later = true, bool with_gone = false) {
  model::Snapshot s = scan_at(kSteady0 + i * kStep, kWall0 + i * kStep);
  const auto n = static_cast<std::uint64_t>(i);
  model::ProcessSample leaky = proc(kLeaky, "leaky", 10000 + 64 * n, 10 + n / 4);
  if (i % 10 == 0) {
    procfs::SmapsRollup smaps;
    smaps.rss_bytes = leaky.rss_bytes;
    smaps.pss_bytes = (9000 + 64 * n) * kKiB;
    smaps.private_clean_bytes = 4 * kKiB;
    smaps.private_dirty_bytes = (8000 + 64 * n) * kKiB;
    smaps.anon_huge_pages_bytes = 0;
    leaky.smaps = smaps;
  }
  s.processes.push_back(leaky);
  s.processes.push_back(proc(kSteady, "steady", 5000 + (n % 3) * 4, 12));
  if (i < 30 || with_gone) {
    s.processes.push_back(proc(kGone, "gone\nname", 3000, 5));
  }
  if (with_later) {
    s.processes.push_back(proc(kLater, "later", 7000 + 8 * n, 7));
  }
  s.cgroups.push_back(cgroup("/", 1, 900000 + n));
  s.cgroups.push_back(cgroup("/system.slice/app.service", 42, 40000 + 32 * n));
  return s;
}

// A history of `scans` scans of the workload, with verdict state as the analysis would set it.
SeriesStore build_history(int scans, SeriesStoreOptions options = test_options()) {
  SeriesStore h(options);
  for (int i = 0; i < scans; ++i) {
    h.append(workload_scan(i), {});
  }
  return h;
}

// Verdict state as the analysis would set it for build_history()'s store.
VerdictState build_verdicts(const SeriesStore& h) {
  VerdictState v;
  ProcessVerdictState& leaky = v.processes[kLeaky];
  leaky.pattern = "leak";
  leaky.memory_suspect = true;
  leaky.memory_suspect_since = 1.7e9 + 0.25;
  leaky.rate_long = 6553.6;
  v.processes[kSteady].fds_suspect_since = 1.7e9 + 10;
  v.cgroups[h.cgroups().begin()->first].suspect_since = 1.7e9 - 5;
  return v;
}

// The newest scan's (steady, wall) of a history.
store::TimeIndex::Entry newest(const SeriesStore& h) {
  return *h.times().at(h.times().newest_seq());
}

bool all_running(const model::ProcessId&) {
  return true;
}

template <std::size_t N>
std::vector<std::pair<std::uint64_t, typename store::CompressedSeries<N>::Values>> points(
    const store::CompressedSeries<N>& s) {
  std::vector<std::pair<std::uint64_t, typename store::CompressedSeries<N>::Values>> out;
  s.for_each(0, [&](std::uint64_t seq, const auto& v) { out.emplace_back(seq, v); });
  return out;
}

AnalysisOptions analysis_options() {
  AnalysisOptions o;
  o.windows = {5min, 15min, 1h};
  o.window_labels = {"5m", "15m", "1h"};
  o.top_k = 100;  // every process tracked: every report carries its history
  return o;
}

std::vector<ProcessReport> by_id(std::vector<ProcessReport> v) {
  std::sort(v.begin(), v.end(),
            [](const ProcessReport& a, const ProcessReport& b) { return a.id < b.id; });
  return v;
}

// The payload of a sealed file, resealed after `edit`: exercises the payload decoder rather than
// the container's CRC.
std::string reseal(std::string_view file, std::size_t keep) {
  return store::seal_snapshot(kStoreFormatVersion, file.substr(store::kSnapshotHeaderBytes, keep));
}

TEST_CASE("history snapshot: a round trip restores every entry byte for byte", "[analysis]") {
  const SeriesStore original = build_history(40);
  const VerdictState verdicts = build_verdicts(original);
  const std::string file = serialize_store(original, kBoot, serialize_verdicts(verdicts));
  const auto last = newest(original);

  SeriesStore restored(test_options());
  std::string annotations;
  REQUIRE(restore_store(restored, file, last.steady_ms, last.wall_ms, all_running, kBoot,
                        &annotations));
  VerdictState restored_verdicts;
  REQUIRE(restore_verdicts(restored_verdicts, annotations, restored));

  // Same bytes again: every field, label, series chunk, time and verdict survived, clock
  // unchanged.
  CHECK(serialize_store(restored, kBoot, serialize_verdicts(restored_verdicts)) == file);

  CHECK(restored.times().size() == 40);
  CHECK(restored.times().oldest_seq() == original.times().oldest_seq());
  CHECK(restored.times().next_seq() == original.times().next_seq());
  for (std::uint64_t seq = restored.times().oldest_seq(); seq <= restored.current_seq(); ++seq) {
    CHECK(restored.time_of(seq) == original.time_of(seq));
  }
  REQUIRE(restored.processes().size() == 4);
  REQUIRE(restored.cgroups().size() == 2);
  for (const auto& [id, e] : original.processes()) {
    INFO("pid " << id.pid);
    const ProcessSeries& r = restored.processes().at(id);
    CHECK(r.labels.comm == e.labels.comm);
    CHECK(r.labels.group == e.labels.group);
    CHECK(r.labels.cgroup == e.labels.cgroup);
    CHECK(r.labels.unit == e.labels.unit);
    CHECK(r.alive == e.alive);
    CHECK(r.died_steady_ms == e.died_steady_ms);
    CHECK(r.first_seq == e.first_seq);
    CHECK(r.last_seen_seq == e.last_seen_seq);
    CHECK(r.last.comm == e.last.comm);
    CHECK(r.last.anon_bytes == e.last.anon_bytes);
    CHECK(r.last.open_fds == e.last.open_fds);
    CHECK(r.last.uid == e.last.uid);
    CHECK(r.last.start_time_seconds == e.last.start_time_seconds);
    const ProcessVerdictState* rv = restored_verdicts.find(id);
    const ProcessVerdictState* ev = verdicts.find(id);
    REQUIRE((rv == nullptr) == (ev == nullptr));
    if (rv != nullptr) {
      CHECK(rv->memory_suspect_since == ev->memory_suspect_since);
      CHECK(rv->fds_suspect_since == ev->fds_suspect_since);
      CHECK(rv->pattern == ev->pattern);
    }
    CHECK(r.smaps.has_value() == e.smaps.has_value());
    CHECK(r.smaps_wall_ms == e.smaps_wall_ms);
    CHECK(points(r.series) == points(e.series));
  }
  const ProcessSeries& leaky = restored.processes().at(kLeaky);
  REQUIRE(leaky.smaps);
  CHECK(leaky.smaps->pss_bytes == (9000 + 64 * 30) * kKiB);
  CHECK(leaky.smaps_wall_ms == kWall0 + 30 * kStep);
  CHECK(restored_verdicts.find(kLeaky)->rate_long == 6553.6);
  CHECK(restored_verdicts.find(kLeaky)->memory_suspect);
  CHECK(restored_verdicts.cgroups.begin()->second.suspect_since == 1.7e9 - 5);
  CHECK_FALSE(restored.processes().at(kGone).alive);
  CHECK(restored.processes().at(kGone).last.comm == "gone\nname");  // raw bytes kept raw
  const CgroupSeries& app = restored.cgroups().rbegin()->second;
  CHECK(app.last.path == "/system.slice/app.service");
  CHECK(app.last.inode == 42);
  REQUIRE(app.last.pressure);
  REQUIRE(app.last.pressure->some);
  CHECK(app.last.pressure->some->avg60 == 0.25);
  CHECK_FALSE(app.last.pressure->full);
  CHECK(points(app.series) == points(original.cgroups().rbegin()->second.series));
  CHECK(points(restored.system()) == points(original.system()));
}

TEST_CASE("history snapshot: the report after a restore has the same series", "[analysis]") {
  SeriesStore original = build_history(60);
  const auto last = newest(original);
  SeriesStore restored(test_options());
  REQUIRE(restore_store(restored, serialize_store(original), last.steady_ms, last.wall_ms,
                        all_running));

  // The daemon's next scan, into both.
  const model::Snapshot next = workload_scan(60);
  original.append(next, {});
  restored.append(next, {});
  ReportBuilder b1(analysis_options());
  ReportBuilder b2(analysis_options());
  std::vector<OomEvent> events;
  const auto r1 = b1.build(original, next, SelfReport{}, "v2", events);
  const auto r2 = b2.build(restored, next, SelfReport{}, "v2", events);

  const auto p1 = by_id(r1->processes);
  const auto p2 = by_id(r2->processes);
  REQUIRE(p1.size() == p2.size());
  REQUIRE(p1.size() == 4);
  for (std::size_t i = 0; i < p1.size(); ++i) {
    INFO("pid " << p1[i].id.pid);
    CHECK(p2[i].id == p1[i].id);
    CHECK(p2[i].alive == p1[i].alive);
    CHECK(p2[i].memory.pattern == p1[i].memory.pattern);
    CHECK(p2[i].memory.suspect_since_seconds == p1[i].memory.suspect_since_seconds);
    CHECK(p2[i].pss_bytes == p1[i].pss_bytes);
    REQUIRE(p2[i].rates.size() == p1[i].rates.size());
    for (std::size_t w = 0; w < p1[i].rates.size(); ++w) {
      CHECK(p2[i].rates[w].bytes_per_second == p1[i].rates[w].bytes_per_second);
      CHECK(p2[i].rates[w].fds_per_second == p1[i].rates[w].fds_per_second);
    }
    REQUIRE(p2[i].history.size() == p1[i].history.size());
    for (std::size_t k = 0; k < p1[i].history.size(); ++k) {
      CHECK(p2[i].history[k].t == p1[i].history[k].t);
      CHECK(p2[i].history[k].v == p1[i].history[k].v);
    }
  }
  // The leak is still a measured rate, over history from before the restart.
  const auto& leaky = p2[0];
  REQUIRE(leaky.id == kLeaky);
  REQUIRE(leaky.rates[1].bytes_per_second);
  CHECK(*leaky.rates[1].bytes_per_second == Approx(64.0 * 1024 / 10));
  CHECK(leaky.history.size() == 61);
  REQUIRE(r2->cgroups.size() == r1->cgroups.size());
  for (std::size_t i = 0; i < r1->cgroups.size(); ++i) {
    CHECK(r2->cgroups[i].history.size() == r1->cgroups[i].history.size());
  }
  CHECK(r2->system.available_history.size() == r1->system.available_history.size());
}

TEST_CASE("history snapshot: a running process continues, a vanished one becomes dead",
          "[analysis]") {
  const SeriesStore original = build_history(40);
  const auto last = newest(original);
  // The daemon was down for 30 s; "later" exited meanwhile.
  const std::int64_t now_steady = last.steady_ms + 30'000;
  const std::int64_t now_wall = last.wall_ms + 30'000;
  std::vector<model::ProcessId> asked;
  const auto running = [&](const model::ProcessId& id) {
    asked.push_back(id);
    return id != kLater;
  };
  SeriesStore h(test_options());
  REQUIRE(restore_store(h, serialize_store(original), now_steady, now_wall, running));

  CHECK(h.processes().at(kLeaky).alive);
  CHECK(h.processes().at(kSteady).alive);
  const ProcessSeries& later = h.processes().at(kLater);
  CHECK_FALSE(later.alive);
  CHECK(later.died_steady_ms == last.steady_ms);  // died at the snapshot's time
  // Already dead in the snapshot: kept as it was, and not asked about (its pid may be reused).
  CHECK_FALSE(h.processes().at(kGone).alive);
  CHECK(h.processes().at(kGone).died_steady_ms == original.processes().at(kGone).died_steady_ms);
  CHECK(std::find(asked.begin(), asked.end(), kGone) == asked.end());

  // The next scan appends after every restored seq.
  const std::uint64_t before = h.processes().at(kLeaky).series.size();
  const std::uint64_t restored_seq = h.current_seq();
  model::Snapshot next = workload_scan(43, /*with_later=*/false);
  h.append(next, {});
  CHECK(h.current_seq() == restored_seq + 1);
  const ProcessSeries& leaky = h.processes().at(kLeaky);
  CHECK(leaky.series.size() == before + 1);
  CHECK(leaky.series.last_seq() == h.current_seq());
  CHECK(leaky.last_seen_seq == h.current_seq());
  CHECK(leaky.series.rejected() == 0);
  CHECK_FALSE(h.processes().at(kLater).alive);
  CHECK(h.processes().at(kLater).series.size() == 40);  // its history stays for the post-mortem

  // Dead entries go once dead_grace (15 min) has passed since they died.
  for (int i = 44; i < 44 + 90; ++i) {
    h.append(workload_scan(i, false), {});
  }
  CHECK(h.processes().count(kGone) == 0);
  CHECK(h.processes().count(kLater) == 0);
  CHECK(h.processes().count(kLeaky) == 1);
}

TEST_CASE("history snapshot: times are rebased across a reboot", "[analysis]") {
  SeriesStoreOptions opts = test_options();
  opts.dead_grace = 2h;  // long enough to keep the dead across the simulated hour of downtime
  const SeriesStore original = build_history(40, opts);
  const auto last = newest(original);
  const std::string file = serialize_store(original, kBoot);

  // Rebooted: the wall clock moved on by an hour, the steady clock restarted 5 s ago.
  const std::int64_t now_steady = 5'000;
  const std::int64_t now_wall = last.wall_ms + 3'600'000;
  const std::int64_t snapshot_steady = now_steady - 3'600'000;
  const std::int64_t delta = snapshot_steady - last.steady_ms;

  SECTION("same boot id unknown: still_running decides, steady times move") {
    SeriesStore h(opts);
    REQUIRE(restore_store(h, file, now_steady, now_wall,
                          [](const model::ProcessId& id) { return id == kSteady; }));
    CHECK(newest(h).steady_ms == snapshot_steady);
    CHECK(newest(h).wall_ms == last.wall_ms);
    for (std::uint64_t seq = h.times().oldest_seq(); seq <= h.current_seq(); ++seq) {
      const auto was = *original.time_of(seq);
      const auto now = *h.time_of(seq);
      CHECK(now.steady_ms == was.steady_ms + delta);  // spacing kept: rates unchanged
      CHECK(now.wall_ms == was.wall_ms);
    }
    CHECK(h.processes().at(kSteady).alive);
    CHECK_FALSE(h.processes().at(kLeaky).alive);
    CHECK(h.processes().at(kLeaky).died_steady_ms == snapshot_steady);
    CHECK(h.processes().at(kGone).died_steady_ms ==
          original.processes().at(kGone).died_steady_ms + delta);

    // The next scan, on the new clocks: windows are in the new steady time, so the last 15
    // minutes hold only it, and the last 2 hours everything.
    const std::int64_t next_steady = now_steady + kStep;
    model::Snapshot next = workload_scan(41);
    next.taken_at = model::SteadyTime(std::chrono::milliseconds(next_steady));
    next.wall_time = model::WallTime(std::chrono::milliseconds(now_wall + kStep));
    std::erase_if(next.processes, [](const auto& p) { return p.id != kSteady; });
    h.append(next, {});
    CHECK(h.seq_since(next_steady - 15 * 60'000) == h.current_seq());
    CHECK(h.seq_since(next_steady - 2 * 3'600'000) == h.times().oldest_seq());
    CHECK(h.processes().at(kSteady).series.last_seq() == h.current_seq());
    CHECK_FALSE(h.processes().at(kLeaky).alive);
    CHECK(h.processes().at(kLeaky).died_steady_ms == snapshot_steady);
  }
  SECTION("a different boot: nothing from before is alive, whatever /proc says") {
    SeriesStore h(opts);
    REQUIRE(restore_store(h, file, now_steady, now_wall, all_running, "another-boot"));
    for (const auto& [id, e] : h.processes()) {
      CHECK_FALSE(e.alive);
    }
    CHECK(h.processes().size() == 4);
  }
  SECTION("the default dead_grace drops what died more than 15 minutes ago") {
    SeriesStore h(test_options());
    REQUIRE(restore_store(h, file, now_steady, now_wall, all_running, "another-boot"));
    CHECK(h.processes().empty());
    CHECK(h.cgroups().size() == 2);  // cgroups are judged by the next scan
    CHECK(h.times().size() == 40);
  }
  SECTION("a wall clock that went back never puts the history in the future") {
    SeriesStore h(opts);
    REQUIRE(restore_store(h, file, now_steady, last.wall_ms - 60'000, all_running, kBoot));
    CHECK(newest(h).steady_ms == now_steady);
    CHECK(h.processes().at(kLeaky).alive);
  }
}

TEST_CASE("history snapshot: a shorter retention keeps the newest scans", "[analysis]") {
  const SeriesStore original = build_history(80);
  SeriesStoreOptions shorter = test_options();
  shorter.retention = 5min;  // 31 scans
  const auto last = newest(original);
  SeriesStore h(shorter);
  REQUIRE(restore_store(h, serialize_store(original), last.steady_ms, last.wall_ms, all_running));
  CHECK(h.times().size() == 31);
  CHECK(h.current_seq() == original.current_seq());
  const auto& s = h.processes().at(kLeaky).series;
  REQUIRE(s.first_seq());
  // Retention drops whole chunks (16 samples here), so at most 15 older samples remain.
  CHECK(*s.first_seq() + 15 >= h.times().oldest_seq());
  CHECK(*s.first_seq() <= h.times().oldest_seq());
}

TEST_CASE("history snapshot: another machine's snapshot is discarded, never merged", "[analysis]") {
  const SeriesStore original = build_history(20);
  const auto last = newest(original);
  const std::string file = serialize_store(original, kBoot, {}, "machine-a");
  SeriesStore target = build_history(5);
  const std::string untouched = serialize_store(target);

  const Status other = restore_store(target, file, last.steady_ms, last.wall_ms, all_running,
                                     "another-boot", nullptr, "machine-b");
  REQUIRE_FALSE(other);
  CHECK(other.error().kind == ErrorKind::kMalformed);
  CHECK(other.error().detail.find(store::kForeignMachineDetail) != std::string::npos);
  CHECK(other.error().detail.find("machine-a") != std::string::npos);
  CHECK(serialize_store(target) == untouched);

  // The same machine after a reboot keeps its history (the processes come back dead).
  REQUIRE(restore_store(target, file, last.steady_ms, last.wall_ms, all_running, "another-boot",
                        nullptr, "machine-a"));
  CHECK(target.processes().size() == original.processes().size());
  // An unknown machine id on either side cannot tell: kept, as before format 4.
  SeriesStore unknown(test_options());
  REQUIRE(restore_store(unknown, file, last.steady_ms, last.wall_ms, all_running, kBoot));
}

TEST_CASE("history snapshot: an empty history round-trips", "[analysis]") {
  const SeriesStore empty(test_options());
  SeriesStore h = build_history(3);
  REQUIRE(restore_store(h, serialize_store(empty), 1000, kWall0, all_running));
  CHECK(h.processes().empty());
  CHECK(h.cgroups().empty());
  CHECK(h.times().empty());
  h.append(workload_scan(0), {});
  CHECK(h.processes().size() == 4);
}

TEST_CASE("history snapshot: damage fails cleanly and leaves the history untouched", "[analysis]") {
  const std::string file = serialize_store(build_history(40), kBoot);
  SeriesStore target = build_history(5);
  const std::string untouched = serialize_store(target);
  const auto attempt = [&](std::string_view bytes) {
    const Status st = restore_store(target, bytes, kSteady0, kWall0, all_running);
    if (!st) {
      CHECK(st.error().kind == ErrorKind::kMalformed);
    }
    return st.has_value();
  };

  SECTION("every truncation of the file") {
    for (std::size_t n = 0; n < file.size(); ++n) {
      INFO("length " << n);
      CHECK_FALSE(attempt(std::string_view(file).substr(0, n)));
    }
  }
  SECTION("every truncation of the payload, resealed with a valid CRC") {
    const std::size_t payload = file.size() - store::kSnapshotHeaderBytes;
    for (std::size_t n = 0; n < payload; ++n) {
      INFO("payload length " << n);
      CHECK_FALSE(attempt(reseal(file, n)));
    }
  }
  SECTION("every flipped byte of the file") {
    for (std::size_t i = 0; i < file.size(); ++i) {
      std::string bad = file;
      bad[i] = static_cast<char>(bad[i] ^ 0x01);
      INFO("byte " << i);
      CHECK_FALSE(attempt(bad));
    }
  }
  SECTION("trailing bytes after the payload, resealed") {
    std::string payload = file.substr(store::kSnapshotHeaderBytes);
    payload.push_back('\0');
    const Status st = restore_store(target, store::seal_snapshot(kStoreFormatVersion, payload),
                                    kSteady0, kWall0, all_running);
    REQUIRE_FALSE(st);
    CHECK(st.error().detail == "history snapshot: 1 bytes after the last entry");
  }
  SECTION("foreign version, bad magic, empty") {
    const std::string payload = file.substr(store::kSnapshotHeaderBytes);
    const Status v2 = restore_store(target, store::seal_snapshot(kStoreFormatVersion + 1, payload),
                                    kSteady0, kWall0, all_running);
    REQUIRE_FALSE(v2);
    CHECK(v2.error().detail.find("foreign version " + std::to_string(kStoreFormatVersion + 1)) !=
          std::string::npos);
    const Status junk =
        restore_store(target, "garbage, not a snapshot", kSteady0, kWall0, all_running);
    REQUIRE_FALSE(junk);
    CHECK(junk.error().detail.find("bad magic") != std::string::npos);
    CHECK_FALSE(restore_store(target, "", kSteady0, kWall0, all_running));
  }
  CHECK(serialize_store(target) == untouched);
}

TEST_CASE("history snapshot: flipped payload bytes never crash the decoder", "[analysis]") {
  // Bytes changed before the CRC was computed (a bug, or a hand-edited file): the decoder alone
  // must cope. A changed sample value may still decode, then it is simply restored.
  const std::string file = serialize_store(build_history(20), kBoot);
  const std::string payload = file.substr(store::kSnapshotHeaderBytes);
  SeriesStore target = build_history(2);
  const std::string untouched = serialize_store(target);
  const auto now = newest(target);  // restoring `untouched` at its own time is the identity
  std::size_t failed = 0;
  for (std::size_t i = 0; i < payload.size(); ++i) {
    for (const unsigned mask : {0x01U, 0xFFU}) {
      std::string bad = payload;
      bad[i] = static_cast<char>(static_cast<unsigned char>(bad[i]) ^ mask);
      const Status st = restore_store(target, store::seal_snapshot(kStoreFormatVersion, bad),
                                      now.steady_ms, now.wall_ms, all_running);
      if (!st) {
        ++failed;
        CHECK(serialize_store(target) == untouched);
      } else {  // decoded into something: put the target back for the next attempt
        REQUIRE(restore_store(target, untouched, now.steady_ms, now.wall_ms, all_running));
        REQUIRE(serialize_store(target) == untouched);
      }
    }
  }
  CHECK(failed > payload.size());  // most damage is detected (series chunks are self-checking)
  CHECK(serialize_store(target) == untouched);
}

// Snapshot size and time at the default retention (6 h at 10 s = 2,160 scans) for 2,000
// processes: run with `analysis_tests "[.bench]"` (Release build for real figures).
TEST_CASE("history snapshot: 2000 processes x 2160 scans", "[.bench]") {
  SeriesStoreOptions opts;  // defaults: 10 s interval, 6 h retention, chunks of 120
  SeriesStore h(opts);
  constexpr int kProcs = 2000;
  constexpr int kScans = 2160;
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < kScans; ++i) {
    model::Snapshot s = scan_at(kSteady0 + i * kStep, kWall0 + i * kStep);
    s.processes.reserve(kProcs);
    const auto n = static_cast<std::uint64_t>(i);
    for (int p = 0; p < kProcs; ++p) {
      const auto k = static_cast<std::uint64_t>(p);
      // Mostly idle (the usual host); every 10th moves a little each scan, every 50th leaks.
      std::uint64_t anon = 2000 + 37 * k;
      if (p % 10 == 0) {
        anon += (n * 7 + k) % 13 * 4;
      }
      if (p % 50 == 0) {
        anon += 4 * n;
      }
      s.processes.push_back(
          proc({p + 10, 1000 + k}, "proc" + std::to_string(p % 300), anon, 10 + k % 7));
    }
    for (int c = 0; c < 100; ++c) {
      s.cgroups.push_back(cgroup("/system.slice/s" + std::to_string(c) + ".service",
                                 static_cast<std::uint64_t>(c) + 100,
                                 40000 + static_cast<std::uint64_t>(c) * 100 + n));
    }
    h.append(s, {});
  }
  const auto t1 = std::chrono::steady_clock::now();
  const std::string file = serialize_store(h, kBoot);
  const auto t2 = std::chrono::steady_clock::now();
  SeriesStore restored(opts);
  const auto last = newest(h);
  REQUIRE(restore_store(restored, file, last.steady_ms, last.wall_ms, all_running, kBoot));
  const auto t3 = std::chrono::steady_clock::now();
  const auto ms = [](auto d) { return std::chrono::duration<double, std::milli>(d).count(); };
  WARN("ingest " << ms(t1 - t0) << " ms; store " << h.bytes() / 1024 << " KiB in memory; snapshot "
                 << file.size() / 1024 << " KiB, serialize " << ms(t2 - t1) << " ms, restore "
                 << ms(t3 - t2) << " ms");
  CHECK(restored.processes().size() == kProcs);
  CHECK(serialize_store(restored, kBoot) == file);
}

}  // namespace
}  // namespace lw::analysis
