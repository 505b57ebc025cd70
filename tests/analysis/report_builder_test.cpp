#include "analysis/report_builder.h"

#include <chrono>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "analysis/report_lookup.h"
#include "store/series_store.h"

namespace lw::analysis {
using lw::analysis::testing::process_in;

namespace {

constexpr std::uint64_t kMiB = 1024 * 1024;
constexpr std::int64_t kStepS = 10;
constexpr double kBootWall = 1.7e9;

const model::ProcessId kLeaker{100, 1};
const model::ProcessId kFlat{200, 2};
const model::ProcessId kSibling{300, 3};

model::ProcessSample process(model::ProcessId id, const std::string& comm, std::uint64_t anon) {
  model::ProcessSample p;
  p.id = id;
  p.comm = comm;
  p.cgroup = "/app.slice/app.service";
  p.unit = "app.service";
  p.start_time_seconds = kBootWall - 86400;  // a day old: no warm-up grace
  p.anon_bytes = anon;
  p.rss_bytes = anon + 4 * kMiB;
  p.swap_bytes = 0;
  p.open_fds = 10;
  p.max_fds = 1024;
  return p;
}

// Scan n: the leaker grows 1 MiB per scan (360 MiB/h) inside a cgroup limited to 4 GiB; the others
// stay flat.
model::Snapshot scan(int n) {
  model::Snapshot s;
  s.taken_at = model::SteadyTime(std::chrono::seconds(1000 + n * kStepS));
  s.wall_time =
      model::WallTime(std::chrono::seconds(static_cast<std::int64_t>(kBootWall) + n * kStepS));
  const auto un = static_cast<std::uint64_t>(n);
  s.processes.push_back(process(kLeaker, "worker", 100 * kMiB + un * kMiB));
  s.processes.push_back(process(kFlat, "worker", 50 * kMiB));
  s.processes.push_back(process(kSibling, "cache", 500 * kMiB));
  model::CgroupSample c;
  c.path = "/app.slice/app.service";
  c.inode = 7;
  c.usage_bytes = 1024 * kMiB + un * kMiB;
  c.limit_bytes = 4096 * kMiB;
  c.processes = 3;
  s.cgroups.push_back(c);
  model::CgroupSample root;
  root.path = "/";
  root.inode = 1;
  root.usage_bytes = 8192 * kMiB;
  s.cgroups.push_back(root);
  return s;
}

AnalysisOptions options() {
  AnalysisOptions o;
  o.windows = {std::chrono::minutes(15), std::chrono::hours(1)};
  o.window_labels = {"15m", "1h"};
  o.top_k = 1;
  return o;
}

struct Built {
  store::SeriesStore store{{.interval = std::chrono::seconds(kStepS)}};
  ReportBuilder builder{options()};
  std::shared_ptr<const Report> report;
  std::vector<OomEvent> events;

  void run(int scans) {
    for (int i = 0; i < scans; ++i) {
      const model::Snapshot s = scan(i);
      store.append(s, {});
      events.clear();
      report = builder.build(store, s, SelfReport{}, "v1", events);
    }
  }
};

double wall_now(const model::Snapshot& s) {
  return std::chrono::duration<double>(s.wall_time.time_since_epoch()).count();
}

}  // namespace

TEST_CASE("report builder: a steady leaker is a suspect with the cgroup's time to limit",
          "[analysis]") {
  Built b;
  b.run(120);  // 20 minutes: past min_observed (15 min)
  const Report& r = *b.report;
  REQUIRE(r.ready);
  CHECK(r.system.cgroup_layout == "v1");
  CHECK(r.windows == std::vector<std::string>{"15m", "1h"});
  const ProcessReport& leaker = process_in(r, kLeaker);
  CHECK(leaker.memory.pattern == "leak");
  CHECK(leaker.memory.suspect);
  REQUIRE(leaker.memory.suspect_since_seconds);
  REQUIRE(leaker.rates.size() == 2);
  REQUIRE(leaker.rates[0].bytes_per_second);
  CHECK(*leaker.rates[0].bytes_per_second == Approx(static_cast<double>(kMiB) / kStepS));
  // Headroom: limit 4096 MiB - usage (1024 + 119) MiB, at 0.1 MiB/s.
  REQUIRE(leaker.memory.seconds_to_limit);
  CHECK(leaker.memory.limit_kind == "cgroup");
  CHECK(*leaker.memory.seconds_to_limit == Approx((4096.0 - 1143.0) * 10).epsilon(0.01));
  CHECK(leaker.tracked);
  CHECK_FALSE(leaker.history.empty());

  const ProcessReport& flat = process_in(r, kFlat);
  CHECK(flat.memory.pattern == "flat");
  CHECK_FALSE(flat.memory.suspect);
  CHECK_FALSE(flat.memory.seconds_to_limit);
  CHECK_FALSE(flat.tracked);  // top_k 1 goes to the largest ("cache"); not a suspect

  CHECK(process_in(r, kSibling).tracked);
  // Largest private memory first.
  REQUIRE(r.processes.size() == 3);
  CHECK(r.processes[0].id == kSibling);
  CHECK(r.processes[1].id == kLeaker);
  // Groups by comm: "worker" holds the leaker and the flat one.
  REQUIRE(r.groups.size() == 2);
  CHECK(r.groups[1].name == "worker");
  CHECK(r.groups[1].processes == 2);
  CHECK(r.groups[1].leak_suspects == 1);
  CHECK(r.self.processes_tracked == 2);
  CHECK(r.self.store_series == 3 + 2 + 1);
  // The cgroup with processes is exported with its own verdict and limit.
  REQUIRE(r.cgroups.size() == 2);
  CHECK(r.cgroups[1].path == "/app.slice/app.service");
  CHECK(r.cgroups[1].effective_limit_bytes == 4096 * kMiB);
  CHECK(r.cgroups[1].memory.pattern == "leak");
  // The verdict state carries the episode's start across scans.
  const ProcessVerdictState* state = b.builder.verdicts().find(kLeaker);
  REQUIRE(state);
  CHECK(state->memory_suspect_since == leaker.memory.suspect_since_seconds);
}

TEST_CASE("report builder: an OOM kill from the kernel log carries the victim's post-mortem",
          "[analysis]") {
  Built b;
  b.run(120);
  const double flagged_at = *b.builder.verdicts().find(kLeaker)->memory_suspect_since;
  model::Snapshot s = scan(120);
  s.processes.erase(s.processes.begin());  // the leaker died
  procfs::OomLine line;
  line.pid = kLeaker.pid;
  line.comm = "worker";
  line.task_memcg = "/app.slice/app.service";
  line.constraint = "CONSTRAINT_MEMCG";
  line.anon_rss_bytes = 220 * kMiB;
  line.total_vm_bytes = 230 * kMiB;  // the "Killed process" line's: a kill, not a lone summary
  s.kmsg_oom_lines.push_back(line);
  b.store.append(s, {});
  b.events.clear();
  const auto r = b.builder.build(b.store, s, SelfReport{}, "v1", b.events);

  REQUIRE(b.events.size() == 1);
  const OomEvent& ev = b.events[0];
  CHECK(ev.source == "kmsg");
  CHECK(ev.pid == kLeaker.pid);
  CHECK(ev.group == "worker");
  CHECK(ev.pattern_before == "leak");
  CHECK(ev.was_suspect);
  REQUIRE(ev.flagged_seconds_before);
  CHECK(*ev.flagged_seconds_before == Approx(wall_now(s) - flagged_at));
  REQUIRE(ev.peak_private_bytes);
  CHECK(*ev.peak_private_bytes == 219 * kMiB);
  REQUIRE(ev.growth_bytes_per_second);
  CHECK(*ev.growth_bytes_per_second > 0);
  CHECK(r->oom_events.size() == 1);
  CHECK(r->oom_kills_by_group.at("worker") == 1);
  CHECK(r->oom_kills_flagged_total == 1);
  // The dead leaker stays in the report (grace) with its last verdict, no longer a suspect.
  const ProcessReport& dead = process_in(*r, kLeaker);
  CHECK_FALSE(dead.alive);
  CHECK(dead.memory.pattern == "leak");
  CHECK_FALSE(dead.memory.suspect);
}

TEST_CASE("report builder: fewer than 3 samples give no pattern and no rate", "[analysis]") {
  Built b;
  b.run(2);
  const ProcessReport& leaker = process_in(*b.report, kLeaker);
  CHECK(leaker.memory.pattern.empty());
  REQUIRE(leaker.rates.size() == 2);
  CHECK_FALSE(leaker.rates[0].bytes_per_second);
  CHECK_FALSE(leaker.memory.suspect);
}

TEST_CASE("report builder: smaps reads go to suspects first, then the largest", "[analysis]") {
  Built b;
  b.run(120);
  const model::Snapshot s = scan(120);
  const auto plan = b.builder.plan_smaps(b.store, s);
  REQUIRE(plan.size() >= 2);
  CHECK(s.processes[plan[0].index].id == kLeaker);   // the suspect
  CHECK(s.processes[plan[1].index].id == kSibling);  // the top-K by private memory
}

TEST_CASE("report builder: a group sum over members that all lack a value is absent, not 0",
          "[analysis]") {
  store::SeriesStore store{{.interval = std::chrono::seconds(kStepS)}};
  ReportBuilder builder{options()};
  std::shared_ptr<const Report> report;
  std::vector<OomEvent> events;
  for (int i = 0; i < 3; ++i) {
    model::Snapshot s = scan(i);
    for (model::ProcessSample& p : s.processes) {
      p.open_fds.reset();  // no CAP_DAC_READ_SEARCH on a kernel before 6.2
      if (p.comm == "worker") {
        p.swap_bytes.reset();  // an old kernel without VmSwap
      }
    }
    s.processes[0].rss_bytes.reset();  // one worker without VmRSS: the other's still counts
    store.append(s, {});
    events.clear();
    report = builder.build(store, s, SelfReport{}, "v1", events);
  }
  REQUIRE(report->groups.size() == 2);
  const GroupReport& cache = report->groups[0];
  const GroupReport& worker = report->groups[1];
  CHECK_FALSE(worker.open_fds.has_value());
  CHECK_FALSE(cache.open_fds.has_value());
  CHECK_FALSE(worker.swap_bytes.has_value());
  CHECK(cache.swap_bytes == 0u);  // a real 0 reading stays 0
  CHECK(worker.resident_bytes == 50 * kMiB + 4 * kMiB);
  CHECK_FALSE(worker.pss_bytes.has_value());
}

}  // namespace lw::analysis

namespace lw::analysis {

TEST_CASE("report builder: a tracked process's charts are re-read once per chart point's span",
          "[analysis]") {
  AnalysisOptions o = options();
  o.chart_points = 36;  // the longest window (1 h) / 36 = 100 s = 10 scans per chart point
  o.top_k = 2;          // the two largest: "cache" and the leaker, not the flat worker
  store::SeriesStore store{{.interval = std::chrono::seconds(kStepS)}};
  ReportBuilder builder{o};
  std::vector<OomEvent> events;
  std::vector<const ProcessCharts*> charts;  // the leaker's, scan by scan
  std::vector<double> newest;                // the newest private point's wall time
  std::shared_ptr<const Report> report;
  for (int i = 0; i < 40; ++i) {
    const model::Snapshot s = scan(i);
    store.append(s, {});
    report = builder.build(store, s, SelfReport{}, "v1", events);
    const ProcessReport& leaker = process_in(*report, kLeaker);
    REQUIRE(leaker.tracked);
    REQUIRE(leaker.charts);
    charts.push_back(leaker.charts.get());
    newest.push_back(leaker.charts->private_bytes.back().t);
    CHECK_FALSE(process_in(*report, kFlat).charts);  // not tracked: no charts
  }
  std::size_t reads = 1;
  for (std::size_t i = 1; i < charts.size(); ++i) {
    if (charts[i] != charts[i - 1]) {
      ++reads;
      CHECK(newest[i] == Approx(kBootWall + static_cast<double>(i * kStepS)));  // read fresh
    }
    // Never older than one chart point's span (100 s).
    CHECK(kBootWall + static_cast<double>(i * kStepS) - newest[i] < 100.0);
  }
  CHECK(reads == 4);  // scans 0, 10, 20, 30
}

}  // namespace lw::analysis
