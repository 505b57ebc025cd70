#include "analysis/crash_loop.h"

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "analysis/report_builder.h"
#include "store/series_store.h"

namespace lw::analysis {
namespace {

constexpr double kT0 = 1.7e9;  // wall seconds
constexpr double kHour = 3600;
const CrashLoopOptions kOptions{.restart_within_seconds = 60, .window_seconds = 6 * kHour};

// An instance of "svc" (unit svc.service) that lived [start, end) and was last seen 5 s before
// the scan that missed it.
EndedInstance ended(std::int32_t pid, double start, double end, const std::string& pattern,
                    const std::string& unit = "svc.service") {
  return {.group = "svc",
          .unit = unit,
          .cgroup = "/system.slice/" + unit,
          .pid = pid,
          .start_seconds = start,
          .first_seen_seconds = start + 1,
          .last_seen_seconds = end - 5,
          .gone_seconds = end,
          .peak_private_bytes = 512ULL << 20,
          .pattern = pattern};
}

Arrival arrival(std::int32_t pid, double first_seen, const std::string& unit = "svc.service") {
  return {.group = "svc",
          .unit = unit,
          .cgroup = "/system.slice/" + unit,
          .pid = pid,
          .first_seen_seconds = first_seen};
}

OomEvent oom(std::int32_t pid, double at) {
  OomEvent e;
  e.pid = pid;
  e.time_seconds = at;
  e.group = "svc";
  e.source = "kmsg";
  return e;
}

// One scan at `now`: what ended, then settle against what arrived and the OOM events.
void scan(CrashLoopTracker& t, double now, std::vector<EndedInstance> gone,
          std::vector<Arrival> arrivals = {}, std::vector<OomEvent> ooms = {},
          const CrashLoopOptions& options = kOptions) {
  t.record(gone);
  t.settle(arrivals, ooms, now, options);
}

// A copy: groups() returns its vector by value, so a pointer into it would dangle.
std::optional<GroupCrashLoop> group(const std::vector<GroupCrashLoop>& groups,
                                    const std::string& name) {
  for (const auto& g : groups) {
    if (g.group == name) {
      return g;
    }
  }
  return std::nullopt;
}

TEST_CASE("crash loop: 3 successive OOM kills of a growing service", "[analysis][crash_loop]") {
  CrashLoopTracker t;
  for (int i = 0; i < 3; ++i) {
    const double end = kT0 + 600.0 * (i + 1);
    // The kernel log line is read in the same scan the process is missed.
    scan(t, end, {ended(100 + i, end - 600, end, "growing")}, {}, {oom(100 + i, end)});
    const auto g = group(t.groups(), "svc");
    REQUIRE(g.has_value());
    CHECK(g->crash_loop == (i == 2));
  }
  const auto g = group(t.groups(), "svc");
  REQUIRE(g->deaths.size() == 3);
  for (const auto& d : g->deaths) {
    CHECK(d.cause == DeathCause::kOomKill);
    CHECK(d.pattern == "growing");
    CHECK(d.peak_private_bytes == 512ULL << 20);
    CHECK(d.end_seconds - d.start_seconds == Approx(600));
  }
}

TEST_CASE("crash loop: 3 restarts within a minute while growing", "[analysis][crash_loop]") {
  CrashLoopTracker t;
  for (int i = 0; i < 3; ++i) {
    const double end = kT0 + 600.0 * (i + 1);
    scan(t, end, {ended(100 + i, end - 600, end, i == 1 ? "leak" : "growing")});
    CHECK(t.earliest_pending() == Approx(end - 5));
    // systemd's Restart= brings a new instance up 20 s later.
    scan(t, end + 20, {}, {arrival(200 + i, end + 20)});
    CHECK_FALSE(t.earliest_pending().has_value());
  }
  const auto g = group(t.groups(), "svc");
  REQUIRE(g.has_value());
  CHECK(g->crash_loop);
  REQUIRE(g->deaths.size() == 3);
  CHECK(g->deaths[0].cause == DeathCause::kRestarted);
  CHECK(g->deaths[2].cause == DeathCause::kRestarted);
}

TEST_CASE("crash loop: a cron job that grows and exits is not one", "[analysis][crash_loop]") {
  CrashLoopTracker t;
  for (int i = 0; i < 5; ++i) {
    const double end = kT0 + 600.0 * (i + 1);
    scan(t, end, {ended(100 + i, end - 120, end, "growing")});
    // Nobody replaces it within the minute; the next run starts 8 minutes later.
    scan(t, end + 61, {});
    scan(t, end + 480, {}, {arrival(101 + i, end + 480)});
  }
  const auto g = group(t.groups(), "svc");
  REQUIRE(g.has_value());
  CHECK_FALSE(g->crash_loop);
  REQUIRE(g->deaths.size() == 5);
  for (const auto& d : g->deaths) {
    CHECK(d.cause == DeathCause::kExited);
  }
}

TEST_CASE("crash loop: a flat service restarted is not one", "[analysis][crash_loop]") {
  CrashLoopTracker t;
  for (int i = 0; i < 4; ++i) {
    const double end = kT0 + 600.0 * (i + 1);
    scan(t, end, {ended(100 + i, end - 600, end, "flat")}, {arrival(200 + i, end)});
  }
  // A group whose instances die flat is not even followed.
  CHECK(t.groups().empty());
}

TEST_CASE("crash loop: an exit or a flat death breaks the run, a short-lived one does not",
          "[analysis][crash_loop]") {
  CrashLoopTracker t;
  double end = kT0;
  const auto restarted = [&](std::int32_t pid, const std::string& pattern) {
    end += 600;
    scan(t, end, {ended(pid, end - 600, end, pattern)}, {arrival(pid + 1000, end)});
  };
  restarted(1, "growing");
  restarted(2, "growing");
  restarted(3, "flat");  // judged, and died without growing
  restarted(4, "growing");
  restarted(5, "growing");
  CHECK_FALSE(group(t.groups(), "svc")->crash_loop);
  // Exits normally: nobody replaces it.
  end += 600;
  scan(t, end, {ended(6, end - 600, end, "growing")});
  scan(t, end + 61, {});
  restarted(7, "growing");
  restarted(8, "");  // too short-lived to be judged: neither counts nor breaks
  restarted(9, "leak");
  CHECK_FALSE(group(t.groups(), "svc")->crash_loop);
  restarted(10, "growing");
  const auto g = group(t.groups(), "svc");
  CHECK(g->crash_loop);
  CHECK(longest_crash_run(g->deaths) == 3);
}

TEST_CASE("crash loop: a new instance elsewhere is no replacement", "[analysis][crash_loop]") {
  CrashLoopTracker t;
  for (int i = 0; i < 3; ++i) {
    const double end = kT0 + 600.0 * (i + 1);
    // Same group (comm), another unit: an unrelated process of the same name.
    scan(t, end, {ended(100 + i, end - 600, end, "growing")},
         {arrival(200 + i, end, "other.service")});
    // Started before the old instance was last seen: already running, not a replacement.
    scan(t, end + 61, {}, {arrival(300 + i, end - 10)});
  }
  const auto g = group(t.groups(), "svc");
  REQUIRE(g.has_value());
  CHECK_FALSE(g->crash_loop);
  CHECK(g->deaths.back().cause == DeathCause::kExited);
}

TEST_CASE("crash loop: an OOM event names the death even after the restart was seen",
          "[analysis][crash_loop]") {
  CrashLoopTracker t;
  scan(t, kT0, {ended(100, kT0 - 600, kT0, "growing")}, {arrival(200, kT0)});
  CHECK(t.groups().front().deaths.front().cause == DeathCause::kRestarted);
  // The kernel line comes one poll later.
  scan(t, kT0 + 10, {}, {}, {oom(100, kT0 + 10)});
  CHECK(t.groups().front().deaths.front().cause == DeathCause::kOomKill);
  // An OOM kill of an earlier process with the same pid names nothing.
  scan(t, kT0 + 700, {ended(101, kT0 + 100, kT0 + 700, "growing")}, {}, {oom(101, kT0 + 50)});
  scan(t, kT0 + 761, {}, {}, {oom(101, kT0 + 50)});
  CHECK(t.groups().front().deaths.back().cause == DeathCause::kExited);
}

TEST_CASE("crash loop: deaths older than the window drop out", "[analysis][crash_loop]") {
  CrashLoopTracker t;
  for (int i = 0; i < 3; ++i) {
    const double end = kT0 + 1800.0 * i;
    scan(t, end, {ended(100 + i, end - 600, end, "leak")}, {}, {oom(100 + i, end)});
  }
  CHECK(group(t.groups(), "svc")->crash_loop);
  // 6 h after the first death, only two remain: no longer a crash loop.
  scan(t, kT0 + 6 * kHour + 1, {});
  REQUIRE(group(t.groups(), "svc") != std::nullopt);
  CHECK_FALSE(group(t.groups(), "svc")->crash_loop);
  CHECK(group(t.groups(), "svc")->deaths.size() == 2);
  // Once nothing is left in the window, the group is forgotten.
  scan(t, kT0 + 8 * kHour, {});
  CHECK(t.groups().empty());
}

TEST_CASE("crash loop: memory is bounded per group", "[analysis][crash_loop]") {
  CrashLoopTracker t;
  for (int i = 0; i < 100; ++i) {
    const double end = kT0 + 60.0 * i;
    scan(t, end, {ended(100 + i, end - 60, end, "growing")}, {}, {oom(100 + i, end)});
  }
  const auto g = group(t.groups(), "svc");
  REQUIRE(g.has_value());
  CHECK(g->deaths.size() == kMaxInstancesPerGroup);
  CHECK(g->deaths.back().pid == 199);
  CHECK(g->crash_loop);
}

// Through the store and the report builder: a service leaks 1 MiB per 10 s scan and is killed
// after 3 minutes; its restart comes up in the next scan, in the same unit.
model::ProcessSample instance(std::int32_t pid, double start_wall, std::uint64_t anon) {
  model::ProcessSample p;
  p.id = {pid, static_cast<std::uint64_t>(pid)};
  p.comm = "svc";
  p.cgroup = "/system.slice/svc.service";
  p.unit = "svc.service";
  p.start_time_seconds = start_wall;
  p.anon_bytes = anon;
  p.rss_bytes = anon;
  p.swap_bytes = 0;
  return p;
}

TEST_CASE("crash loop: the report flags a service restarted after each death while growing",
          "[analysis][crash_loop]") {
  constexpr int kStep = 10;
  constexpr int kLife = 18;  // scans per instance
  store::SeriesStore store({.interval = std::chrono::seconds(kStep)});
  AnalysisOptions o;
  o.windows = {std::chrono::minutes(15), std::chrono::hours(1)};
  o.window_labels = {"15m", "1h"};
  ReportBuilder builder(o);
  std::shared_ptr<const Report> report;
  std::vector<OomEvent> events;
  for (int n = 0; n < 4 * kLife + 2; ++n) {
    model::Snapshot s;
    s.taken_at = model::SteadyTime(std::chrono::seconds(1000 + n * kStep));
    const double wall = kT0 + n * kStep;
    s.wall_time = model::WallTime(std::chrono::seconds(static_cast<std::int64_t>(wall)));
    const int life = n / kLife;
    const int age = n % kLife;
    if (age != kLife - 1) {  // the last scan of each life finds it gone, the next its successor
      s.processes.push_back(instance(1000 + life, kT0 + life * kLife * kStep,
                                     (64ULL << 20) + static_cast<std::uint64_t>(age) * (1 << 20)));
    }
    store.append(s, {});
    report = builder.build(store, s, {}, "v2", events);
  }
  const GroupReport* svc = nullptr;
  for (const auto& g : report->groups) {
    if (g.name == "svc") {
      svc = &g;
    }
  }
  REQUIRE(svc != nullptr);
  REQUIRE(svc->deaths.size() == 4);
  CHECK(svc->deaths[0].pattern == "growing");
  CHECK(svc->deaths[0].cause == DeathCause::kRestarted);
  CHECK(svc->deaths[0].pid == 1000);
  CHECK(svc->deaths[0].peak_private_bytes == (64ULL << 20) + 16 * (1 << 20));
  CHECK(svc->crash_loop);
  CHECK(svc->leak_suspects == 1);
}

}  // namespace
}  // namespace lw::analysis
