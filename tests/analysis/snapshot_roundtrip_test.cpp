#include <algorithm>
#include <chrono>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>

#include "analysis/report_builder.h"
#include "analysis/snapshot_workload.h"
#include "analysis/verdict_snapshot.h"
#include "store/series_snapshot.h"

namespace lw::analysis {
namespace {

using store::CgroupSeries;

using namespace std::chrono_literals;

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
