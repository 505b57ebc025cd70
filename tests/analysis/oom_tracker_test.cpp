// OOM accounting, one event per kill, in every shape the kernel reports kills: kernel log
// records (fixtures, fed poll by poll through the real OomMerger) against the counters (vmstat
// oom_kill and the cgroups' own oom_kill), as a table of scans -> events.

#include "analysis/oom_tracker.h"

#include <chrono>
#include <map>
#include <numeric>
#include <optional>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "base/text.h"
#include "scan/kmsg_reader.h"
#include "store/series_store.h"
#include "support/fake_root.h"

namespace lw::analysis {
namespace {

constexpr std::int64_t kStepS = 10;
constexpr double kBootWall = 1.7e9;
constexpr std::uint64_t kMiB = 1024 * 1024;

// One scan: the kernel log records read in it, the host counter and the cgroups' own counters
// ((inode, oom_kill) by path), and how many events it should publish.
struct Scan {
  std::vector<std::string> kmsg{};
  std::optional<std::uint64_t> vmstat{};
  std::map<std::string, std::pair<std::uint64_t, std::uint64_t>> cgroups{};
  std::size_t expect_events = 0;
};

std::vector<std::string> fixture_records(std::string_view rel) {
  std::vector<std::string> out;
  text::for_each_line(testing::fixture(rel),
                      [&](std::string_view line) { out.push_back(std::string(line) + "\n"); });
  return out;
}

model::ProcessSample process(model::ProcessId id, const std::string& comm, std::uint64_t anon) {
  model::ProcessSample p;
  p.id = id;
  p.comm = comm;
  p.cgroup = "/system.slice/batch.service";
  p.start_time_seconds = kBootWall - 3600;
  p.anon_bytes = anon;
  p.rss_bytes = anon;
  return p;
}

struct Harness {
  store::SeriesStore store{{.interval = std::chrono::seconds(kStepS)}};
  scan::OomMerger merger;
  OomTracker tracker;
  VerdictState verdicts;
  AnalysisOptions options;
  int n = 0;
  std::vector<model::ProcessSample> processes;  // alive in the next scans
  std::vector<std::vector<OomEvent>> published;

  std::vector<OomEvent> scan(const Scan& in) {
    model::Snapshot s;
    s.taken_at = model::SteadyTime(std::chrono::seconds(1000 + n * kStepS));
    s.wall_time =
        model::WallTime(std::chrono::seconds(static_cast<std::int64_t>(kBootWall) + n * kStepS));
    ++n;
    s.processes = processes;
    if (in.vmstat) {
      s.system.vmstat = procfs::Vmstat{};
      s.system.vmstat->oom_kill = in.vmstat;
    }
    for (const auto& [path, counter] : in.cgroups) {
      model::CgroupSample c;
      c.path = path;
      c.inode = counter.first;
      c.oom_kill_events = counter.second;
      s.cgroups.push_back(c);
    }
    for (const std::string& record : in.kmsg) {
      CHECK(merger.add_record(record));
    }
    s.kmsg_oom_lines = merger.end_poll();
    store.append(s, {});
    std::vector<OomEvent> out;
    tracker.track(store, verdicts, s, options, out);
    published.push_back(out);
    return out;
  }

  // Runs the table; checks each scan's count and returns the total.
  std::size_t run(const std::vector<Scan>& scans) {
    for (std::size_t i = 0; i < scans.size(); ++i) {
      const auto out = scan(scans[i]);
      INFO("scan " << i);
      CHECK(out.size() == scans[i].expect_events);
    }
    return kills();
  }

  std::size_t kills() const {
    const auto& by_group = tracker.kills_by_group();
    return std::accumulate(by_group.begin(), by_group.end(), std::size_t{0},
                           [](std::size_t sum, const auto& g) { return sum + g.second; });
  }
};

std::string kill_record(int pid, std::string_view comm = "leaker") {
  return "3,1,1,-;Memory cgroup out of memory: Killed process " + std::to_string(pid) + " (" +
         std::string(comm) +
         ") total-vm:1000kB, anon-rss:900kB, file-rss:4kB, shmem-rss:0kB, UID:0 pgtables:40kB "
         "oom_score_adj:0\n";
}

std::string summary_record(int pid, std::string_view memcg) {
  return "6,1,1,-;oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=/,mems_allowed=0,"
         "oom_memcg=" +
         std::string(memcg) + ",task_memcg=" + std::string(memcg) +
         ",task=leaker,pid=" + std::to_string(pid) + ",uid=0\n";
}

const std::string kBatch = "/system.slice/batch.service";

}  // namespace

TEST_CASE("oom tracker: a lone kill line a scan after the counter is one kill", "[analysis][oom]") {
  // 4.13-4.18 print no oom-kill: summary, so the reader holds each kill line one poll for a
  // partner, while vmstat and the cgroup counter already moved.
  Harness h;
  const auto records = fixture_records("kmsg/4.14-memcg-two-kills.txt");
  const std::size_t total = h.run({
      {.vmstat = 40, .cgroups = {{kBatch, {7, 0}}}},
      {.kmsg = records, .vmstat = 42, .cgroups = {{kBatch, {7, 2}}}, .expect_events = 0},
      {.vmstat = 42, .cgroups = {{kBatch, {7, 2}}}, .expect_events = 2},
      {.vmstat = 42, .cgroups = {{kBatch, {7, 2}}}},
  });
  CHECK(total == 2);
  for (const OomEvent& ev : h.published[2]) {
    CHECK(ev.source == "kmsg");
    CHECK(ev.replaces_id == 0);
  }
  CHECK(h.published[2][0].pid == 3300);
  CHECK(h.published[2][1].pid == 3301);
}

TEST_CASE("oom tracker: a memory.oom.group kill of k processes is k kills", "[analysis][oom]") {
  // One summary for the first victim, then one kill line per member; counters move by 3.
  Harness h;
  const std::size_t total = h.run({
      {.vmstat = 0, .cgroups = {{kBatch, {7, 0}}}},
      {.kmsg = fixture_records("kmsg/6.1-oom-group.txt"),
       .vmstat = 3,
       .cgroups = {{kBatch, {7, 3}}},
       .expect_events = 1},  // the victim: summary and kill line merged
      {.vmstat = 3, .cgroups = {{kBatch, {7, 3}}}, .expect_events = 2},  // the members
      {.vmstat = 3, .cgroups = {{kBatch, {7, 3}}}},
  });
  CHECK(total == 3);
  CHECK(h.published[1][0].pid == 4100);
  CHECK(h.published[1][0].cgroup == kBatch);
  CHECK(h.published[2][0].pid == 4101);
  CHECK(h.published[2][1].pid == 4102);
}

TEST_CASE("oom tracker: kills without log lines are counted once, a scan late", "[analysis][oom]") {
  // Rate-limited or lost reports: the counters move and the log says nothing.
  Harness h;
  const std::size_t total = h.run({
      {.vmstat = 5, .cgroups = {{kBatch, {7, 1}}}},
      {.vmstat = 8, .cgroups = {{kBatch, {7, 3}}}, .expect_events = 0},
      {.vmstat = 8, .cgroups = {{kBatch, {7, 3}}}, .expect_events = 3},
      {.vmstat = 8, .cgroups = {{kBatch, {7, 3}}}},
  });
  CHECK(total == 3);
  REQUIRE(h.published[2].size() == 3);
  CHECK(h.published[2][0].cgroup == kBatch);  // two from the cgroup counter ...
  CHECK(h.published[2][1].cgroup == kBatch);
  CHECK(h.published[2][2].cgroup.empty());  // ... one the host counter alone saw
  CHECK(h.tracker.events().size() == 3);
}

TEST_CASE("oom tracker: a log line later than the hold replaces the counter's event",
          "[analysis][oom]") {
  Harness h;
  h.processes = {process({4100, 50}, "leaker", 400 * kMiB)};
  h.scan({.vmstat = 0, .cgroups = {{kBatch, {7, 0}}}});
  h.processes.clear();  // killed
  h.scan({.vmstat = 1, .cgroups = {{kBatch, {7, 1}}}});
  const auto counted = h.scan({.vmstat = 1, .cgroups = {{kBatch, {7, 1}}}});
  REQUIRE(counted.size() == 1);
  CHECK(counted[0].source == "counter");
  CHECK(counted[0].pid == 4100);  // guessed among the processes that died in the cgroup
  h.scan({.vmstat = 1, .cgroups = {{kBatch, {7, 1}}}});
  // The reader fell behind: the pair arrives three scans after the counter moved.
  const auto late = h.scan({.kmsg = {summary_record(4100, kBatch), kill_record(4100)},
                            .vmstat = 1,
                            .cgroups = {{kBatch, {7, 1}}}});
  REQUIRE(late.size() == 1);
  CHECK(late[0].source == "kmsg");
  CHECK(late[0].replaces_id == counted[0].id);
  CHECK(h.kills() == 1);
  REQUIRE(h.tracker.events().size() == 1);
  CHECK(h.tracker.events()[0].source == "kmsg");
  CHECK(h.tracker.events()[0].time_seconds == counted[0].time_seconds);
}

TEST_CASE("oom tracker: a log line before its counter is one kill", "[analysis][oom]") {
  // The kill happened between the counter reads and the log read of the same scan.
  Harness h;
  const std::size_t total = h.run({
      {.vmstat = 0, .cgroups = {{kBatch, {7, 0}}}},
      {.kmsg = {summary_record(77, kBatch), kill_record(77)},
       .vmstat = 0,
       .cgroups = {{kBatch, {7, 0}}},
       .expect_events = 1},
      {.vmstat = 1, .cgroups = {{kBatch, {7, 1}}}, .expect_events = 0},
      {.vmstat = 1, .cgroups = {{kBatch, {7, 1}}}, .expect_events = 0},
  });
  CHECK(total == 1);
}

TEST_CASE("oom tracker: a kill between the host and the cgroup counter reads is one kill",
          "[analysis][oom]") {
  // vmstat is read before the cgroups: the cgroup counter leads by one scan.
  Harness h;
  const std::size_t total = h.run({
      {.vmstat = 0, .cgroups = {{kBatch, {7, 0}}}},
      {.vmstat = 0, .cgroups = {{kBatch, {7, 1}}}, .expect_events = 0},
      {.vmstat = 1, .cgroups = {{kBatch, {7, 1}}}, .expect_events = 0},
      {.vmstat = 1, .cgroups = {{kBatch, {7, 1}}}, .expect_events = 1},
  });
  CHECK(total == 1);
  CHECK(h.published[3][0].cgroup == kBatch);
}

TEST_CASE("oom tracker: kill lines from user space are not kills", "[analysis][oom]") {
  // Facility 1 (LOG_USER, 8 + level): what a write to /dev/kmsg gets.
  Harness h;
  std::string forged_summary = summary_record(4242, kBatch);
  std::string forged_kill = kill_record(4242);
  forged_summary.replace(0, 1, "14");
  forged_kill.replace(0, 1, "11");
  const std::size_t total = h.run({
      {.vmstat = 9},
      {.kmsg = {forged_summary, forged_kill}, .vmstat = 9},
      {.vmstat = 9},
  });
  CHECK(total == 0);
  CHECK(h.tracker.events().empty());
  CHECK(h.merger.non_kernel_oom_lines() == 2);
}

TEST_CASE("oom tracker: after pid reuse the victim's history is the dead process's",
          "[analysis][oom]") {
  Harness h;
  h.processes = {process({500, 100}, "leaker", 300 * kMiB)};
  for (int i = 0; i < 5; ++i) {
    h.scan({.vmstat = 0});
  }
  // Killed, and its pid already taken by a new, small process.
  h.processes = {process({500, 900}, "sh", 1 * kMiB)};
  const auto out = h.scan({.kmsg = {summary_record(500, kBatch), kill_record(500)}, .vmstat = 1});
  REQUIRE(out.size() == 1);
  CHECK(out[0].pid == 500);
  CHECK(out[0].group == "leaker");
  REQUIRE(out[0].peak_private_bytes);
  CHECK(*out[0].peak_private_bytes == 300 * kMiB);
}

TEST_CASE("oom tracker: cgroup counters are pruned, a re-created cgroup starts at 0",
          "[analysis][oom]") {
  Harness h;
  h.run({
      {.vmstat = 10, .cgroups = {{"/a", {1, 5}}, {"/b", {2, 0}}}},
      {.vmstat = 10, .cgroups = {{"/b", {2, 0}}}},  // /a removed
  });
  CHECK(h.tracker.cgroup_counters() == 1);
  // /a re-created (new inode): its counter restarted, and its 1 kill is real (vmstat moved).
  h.run({
      {.vmstat = 11, .cgroups = {{"/a", {3, 1}}, {"/b", {2, 0}}}, .expect_events = 0},
      {.vmstat = 11, .cgroups = {{"/a", {3, 1}}, {"/b", {2, 0}}}, .expect_events = 1},
  });
  CHECK(h.published.back()[0].cgroup == "/a");
  // Re-created again with the same inode: the counter went backwards, restart without a kill.
  h.run({
      {.vmstat = 11, .cgroups = {{"/a", {3, 0}}, {"/b", {2, 0}}}},
      {.vmstat = 12, .cgroups = {{"/a", {3, 1}}, {"/b", {2, 0}}}},
      {.vmstat = 12, .cgroups = {{"/a", {3, 1}}, {"/b", {2, 0}}}, .expect_events = 1},
  });
  CHECK(h.kills() == 2);
  // A new cgroup whose counter the host counter does not confirm counts nothing.
  h.run({
      {.vmstat = 12, .cgroups = {{"/c", {4, 7}}}},
      {.vmstat = 12, .cgroups = {{"/c", {4, 7}}}},
  });
  CHECK(h.kills() == 2);
  CHECK(h.tracker.cgroup_counters() == 1);
}

}  // namespace lw::analysis
