// Restoring a history snapshot after a restart: processes still running continue their series,
// vanished ones become dead; a reboot rebases the times; a shorter retention keeps the newest
// scans; another machine's snapshot is refused.

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "analysis/snapshot_workload.h"
#include "store/series_snapshot.h"

namespace lw::analysis {
namespace {

using namespace std::chrono_literals;

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

}  // namespace
}  // namespace lw::analysis
