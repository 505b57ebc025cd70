#include "analysis/headroom.h"

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "analysis/report_builder.h"
#include "analysis/report_lookup.h"
#include "store/series_store.h"

namespace lw::analysis {
using lw::analysis::testing::process_in;

namespace {

constexpr std::uint64_t kMiB = 1024 * 1024;

// A v2 cgroup: 600 MiB charged, 160 MiB on the file lists, 10 MiB reclaimable slab, 5 MiB dirty
// or under writeback: 435 MiB unreclaimable.
model::CgroupSample v2_cgroup(const std::string& path) {
  model::CgroupSample c;
  c.path = path;
  c.version = model::CgroupVersion::kV2;
  c.usage_bytes = 600 * kMiB;
  c.active_file_bytes = 60 * kMiB;
  c.inactive_file_bytes = 100 * kMiB;
  c.slab_reclaimable_bytes = 10 * kMiB;
  c.dirty_bytes = 4 * kMiB;
  c.writeback_bytes = 1 * kMiB;
  return c;
}

}  // namespace

TEST_CASE("headroom: limit minus unreclaimable, with every term shown", "[analysis][headroom]") {
  model::CgroupSample c = v2_cgroup("/a.service");
  c.limit_bytes = 1024 * kMiB;
  const Headroom h = CgroupIndex({c}, std::nullopt).headroom_of("/a.service");
  REQUIRE(h.terms);
  CHECK(*h.bytes == Approx(static_cast<double>((1024 - 435) * kMiB)));
  CHECK(h.limit == 1024 * kMiB);
  const HeadroomTerms& t = *h.terms;
  CHECK(t.cgroup == "/a.service");
  CHECK(t.limit_kind == "cgroup");
  CHECK(t.limit_bytes == 1024 * kMiB);
  CHECK(t.charged_bytes == 600 * kMiB);
  CHECK(t.active_file_bytes == 60 * kMiB);
  CHECK(t.inactive_file_bytes == 100 * kMiB);
  CHECK(t.slab_reclaimable_bytes == 10 * kMiB);
  CHECK(t.dirty_bytes == 4 * kMiB);
  CHECK(t.writeback_bytes == 1 * kMiB);
  CHECK_FALSE(t.swap_used_bytes.has_value());
  CHECK_FALSE(t.swap_room_bytes.has_value());  // no swap accounting
  CHECK(t.unreclaimable_bytes == 435 * kMiB);
  CHECK(h.binding != nullptr);
}

TEST_CASE("headroom: a cgroup full of page cache still has room", "[analysis][headroom]") {
  model::CgroupSample c = v2_cgroup("/cache.service");
  c.usage_bytes = 1000 * kMiB;  // at its 1 GiB limit in usage...
  c.inactive_file_bytes = 800 * kMiB;
  c.active_file_bytes = 100 * kMiB;
  c.slab_reclaimable_bytes = 0;
  c.dirty_bytes = 0;
  c.writeback_bytes = 0;
  c.limit_bytes = 1024 * kMiB;
  const Headroom h = CgroupIndex({c}, std::nullopt).headroom_of("/cache.service");
  REQUIRE(h.bytes);
  CHECK(*h.bytes == Approx(static_cast<double>(924 * kMiB)));  // ... but only 100 MiB is stuck
}

TEST_CASE("headroom: the tightest of the cgroup and its ancestors wins", "[analysis][headroom]") {
  model::CgroupSample leaf = v2_cgroup("/slice/leaf.service");
  leaf.limit_bytes = 2048 * kMiB;
  model::CgroupSample parent = v2_cgroup("/slice");
  parent.usage_bytes = 900 * kMiB;  // 735 MiB unreclaimable
  parent.limit_bytes = 1024 * kMiB;
  const std::vector<model::CgroupSample> scan{leaf, parent};  // the index points into it
  const CgroupIndex index(scan, std::nullopt);
  const Headroom h = index.headroom_of("/slice/leaf.service");
  REQUIRE(h.terms);
  CHECK(h.terms->cgroup == "/slice");
  CHECK(*h.bytes == Approx(static_cast<double>((1024 - 735) * kMiB)));
  CHECK(h.limit == 1024 * kMiB);
  CHECK_FALSE(index.headroom_of("/other.service").bytes);  // no limit anywhere: empty
}

TEST_CASE("headroom: memory.high names the limit only when it is tighter", "[analysis][headroom]") {
  model::CgroupSample c = v2_cgroup("/a.service");
  c.limit_bytes = 1024 * kMiB;
  c.high_bytes = 512 * kMiB;
  Headroom h = CgroupIndex({c}, std::nullopt).headroom_of("/a.service");
  REQUIRE(h.terms);
  CHECK(h.terms->limit_kind == "cgroup_high");
  CHECK(h.terms->limit_bytes == 512 * kMiB);
  CHECK(*h.bytes == Approx(static_cast<double>((512 - 435) * kMiB)));
  c.high_bytes = 1024 * kMiB;  // equal: memory.max, which kills, names it
  h = CgroupIndex({c}, std::nullopt).headroom_of("/a.service");
  CHECK(h.terms->limit_kind == "cgroup");
}

TEST_CASE("headroom: v2 swap room is swap.max - swap.current, capped by the host's free swap",
          "[analysis][headroom]") {
  model::CgroupSample c = v2_cgroup("/a.service");
  c.limit_bytes = 1024 * kMiB;
  c.swap_bytes = 16 * kMiB;  // 451 MiB unreclaimable, 435 of it in memory
  c.swap_limit_bytes = 64 * kMiB;
  Headroom h = CgroupIndex({c}, 1024 * kMiB).headroom_of("/a.service");
  REQUIRE(h.terms);
  CHECK(h.terms->unreclaimable_bytes == 451 * kMiB);
  CHECK(h.terms->swap_used_bytes == 16 * kMiB);
  CHECK(h.terms->swap_room_bytes == 48 * kMiB);
  CHECK(*h.bytes == Approx(static_cast<double>((1024 - 435 + 48) * kMiB)));
  h = CgroupIndex({c}, 8 * kMiB).headroom_of("/a.service");  // the host has less
  CHECK(h.terms->swap_room_bytes == 8 * kMiB);
  c.swap_limit_bytes.reset();  // swap.max "max": the host's free swap
  CHECK(swap_room(c, 300 * kMiB) == 300 * kMiB);
  CHECK(swap_room(c, std::nullopt) == 0u);  // no swap on the host
}

TEST_CASE("headroom: v1 swap room is the memsw limit beyond the memory limit, unused",
          "[analysis][headroom]") {
  model::CgroupSample c;
  c.path = "/a.service";
  c.version = model::CgroupVersion::kV1;
  c.anon_bytes = 400 * kMiB;  // total_rss
  c.file_bytes = 200 * kMiB;  // total_cache
  c.usage_bytes = 603 * kMiB;
  c.active_file_bytes = 60 * kMiB;
  c.inactive_file_bytes = 100 * kMiB;
  c.swap_bytes = 16 * kMiB;
  c.limit_bytes = 1024 * kMiB;
  c.swap_limit_bytes = 1088 * kMiB;  // memory.memsw.limit_in_bytes
  const Headroom h = CgroupIndex({c}, 1024 * kMiB).headroom_of("/a.service");
  REQUIRE(h.terms);
  CHECK(h.terms->charged_bytes == 600 * kMiB);
  CHECK(h.terms->unreclaimable_bytes == (600 + 16 - 160) * kMiB);
  CHECK(h.terms->swap_room_bytes == (1088 - 1024 - 16) * kMiB);
  // = memsw limit - unreclaimable (memory + swap)
  CHECK(*h.bytes == Approx(static_cast<double>((1088 - 456) * kMiB)));
  c.swap_limit_bytes = 1024 * kMiB;  // memsw = limit: no swap to escape into
  CHECK(swap_room(c, 1024 * kMiB) == 0u);
}

// --- the process's time to limit, through the report builder

namespace {

constexpr std::int64_t kStepS = 10;
constexpr double kBootWall = 1.7e9;
const model::ProcessId kLeaker{100, 1};
const model::ProcessId kNeighbour{200, 2};

// One scan of a 1 GiB cgroup with two processes: `leaker` and `neighbour` give each one's anon
// bytes at scan n; `cache` the page cache at scan n (inactive file, reclaimable).
struct Scenario {
  std::function<std::uint64_t(int)> leaker, neighbour, cache;

  model::Snapshot scan(int n) const {
    model::Snapshot s;
    s.taken_at = model::SteadyTime(std::chrono::seconds(1000 + n * kStepS));
    s.wall_time =
        model::WallTime(std::chrono::seconds(static_cast<std::int64_t>(kBootWall) + n * kStepS));
    for (const auto& [id, anon] : {std::pair{kLeaker, leaker(n)}, {kNeighbour, neighbour(n)}}) {
      model::ProcessSample p;
      p.id = id;
      p.comm = id == kLeaker ? "leaker" : "neighbour";
      p.cgroup = "/app.service";
      p.start_time_seconds = kBootWall - 86400;
      p.anon_bytes = anon;
      p.rss_bytes = anon;
      p.swap_bytes = 0;
      s.processes.push_back(p);
    }
    model::CgroupSample c;
    c.path = "/app.service";
    c.inode = 7;
    c.version = model::CgroupVersion::kV2;
    c.inactive_file_bytes = cache(n);
    c.active_file_bytes = 0;
    c.usage_bytes = leaker(n) + neighbour(n) + cache(n);
    c.limit_bytes = 1024 * kMiB;
    c.processes = 2;
    s.cgroups.push_back(c);
    return s;
  }

  std::shared_ptr<const Report> run(int scans) const {
    store::SeriesStore store{{.interval = std::chrono::seconds(kStepS)}};
    AnalysisOptions o;
    o.windows = {std::chrono::minutes(15), std::chrono::hours(1)};
    o.window_labels = {"15m", "1h"};
    ReportBuilder builder{o};
    std::shared_ptr<const Report> report;
    std::vector<OomEvent> events;
    for (int i = 0; i < scans; ++i) {
      const model::Snapshot s = scan(i);
      store.append(s, {});
      report = builder.build(store, s, SelfReport{}, "v2", events);
    }
    return report;
  }
};

std::uint64_t mib(int n) {
  return static_cast<std::uint64_t>(n) * kMiB;
}

}  // namespace

TEST_CASE("time to limit: page cache filling the cgroup is free room", "[analysis][headroom]") {
  // The leaker grows 1 MiB per scan; the neighbour's cache has filled the cgroup to its limit.
  const Scenario sc{[](int n) { return mib(100 + n); }, [](int) { return mib(50); },
                    [](int n) { return mib(1024 - 150 - n); }};
  const auto r = sc.run(120);
  const ProcessReport& leaker = process_in(*r, kLeaker);
  REQUIRE(leaker.memory.seconds_to_limit);
  CHECK(leaker.memory.limit_kind == "cgroup");
  // (1024 - 100 - 119 - 50) MiB at 0.1 MiB/s, not 0 s.
  CHECK(*leaker.memory.seconds_to_limit == Approx((1024.0 - 269.0) * 10).epsilon(0.01));
  REQUIRE(leaker.memory.headroom);
  CHECK(leaker.memory.headroom->unreclaimable_bytes == mib(269));
  CHECK(leaker.memory.headroom->inactive_file_bytes == mib(1024 - 150 - 119));
  CHECK_FALSE(process_in(*r, kNeighbour).memory.suspect);
}

TEST_CASE("time to limit: a neighbour's leak shortens the process's", "[analysis][headroom]") {
  // Both grow 1 MiB per scan: the cgroup grows 2 MiB per scan.
  const Scenario sc{[](int n) { return mib(100 + n); }, [](int n) { return mib(50 + n); },
                    [](int) { return mib(0); }};
  const auto r = sc.run(120);
  const ProcessReport& leaker = process_in(*r, kLeaker);
  REQUIRE(leaker.memory.seconds_to_limit);
  CHECK(*leaker.memory.seconds_to_limit == Approx((1024.0 - 150 - 238) * 5).epsilon(0.01));
  REQUIRE(r->cgroups.size() == 1);
  CHECK(r->cgroups[0].memory.seconds_to_limit ==
        Approx(*leaker.memory.seconds_to_limit).epsilon(0.001));
}

TEST_CASE("time to limit: a shrinking neighbour falls back to the process's own rate",
          "[analysis][headroom]") {
  // The leaker grows 1 MiB per scan while the neighbour frees 1 MiB per scan: the cgroup is flat.
  const Scenario sc{[](int n) { return mib(100 + n); }, [](int n) { return mib(400 - n); },
                    [](int) { return mib(0); }};
  const auto r = sc.run(120);
  const ProcessReport& leaker = process_in(*r, kLeaker);
  REQUIRE(leaker.memory.seconds_to_limit);
  CHECK(*leaker.memory.seconds_to_limit == Approx((1024.0 - 500) * 10).epsilon(0.01));
  CHECK_FALSE(r->cgroups[0].memory.seconds_to_limit);  // the cgroup itself is not growing
  CHECK_FALSE(process_in(*r, kNeighbour).memory.seconds_to_limit);  // nor is the neighbour
}

}  // namespace lw::analysis
