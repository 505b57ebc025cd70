#include <chrono>

#include <catch2/catch.hpp>

#include "analysis/labels.h"

using namespace lw;
using namespace std::chrono_literals;

namespace {

model::Snapshot snapshot(int n, const std::string& comm) {
  model::Snapshot s;
  s.taken_at = model::SteadyTime(std::chrono::seconds(1000 + n));
  s.wall_time = model::WallTime(std::chrono::seconds(1700000000 + n));
  model::ProcessSample p;
  p.id = {42, 777};
  p.comm = comm;
  p.rss_bytes = 8 << 20;
  p.anon_bytes = 4 << 20;
  s.processes.push_back(p);
  return s;
}

analysis::ProcessRules rules() {
  analysis::ProcessRules r;
  analysis::Matcher inc;
  inc.comm = *Pattern::compile("svc-.*");
  r.include.push_back(inc);
  analysis::Matcher exc;
  exc.comm = *Pattern::compile("ignored");
  r.exclude.push_back(exc);
  return r;
}

}  // namespace

TEST_CASE("labels: a process that renames itself gets new labels and rules", "[analysis]") {
  store::SeriesStore h({.interval = 1s, .retention = 1h});
  const auto r = rules();
  const auto labeler = analysis::make_labeler(r, {}, 128);
  h.append(snapshot(0, "sh"), labeler);
  const auto& e = h.processes().at({42, 777});
  CHECK(e.labels.comm == "sh");
  CHECK_FALSE(e.labels.included);
  // exec of the real service (same pid and starttime): labels follow, include now matches,
  // and the history continues in the same series.
  h.append(snapshot(1, "svc-worker"), labeler);
  const auto& e2 = h.processes().at({42, 777});
  CHECK(e2.labels.comm == "svc-worker");
  CHECK(e2.labels.group == "svc-worker");
  CHECK(e2.labels.included);
  CHECK(e2.series.size() == 2);
  // Renamed into an excluded name: forgotten.
  h.append(snapshot(2, "ignored"), labeler);
  CHECK(h.processes().count({42, 777}) == 0);
}

TEST_CASE("labels: exited processes stay for the grace period, then go", "[analysis]") {
  store::SeriesStore h({.interval = 1s, .retention = 1h, .dead_grace = 10s});
  h.append(snapshot(0, "a"), {});
  model::Snapshot empty = snapshot(1, "a");
  empty.processes.clear();
  h.append(empty, {});
  REQUIRE(h.processes().count({42, 777}) == 1);
  CHECK_FALSE(h.processes().at({42, 777}).alive);
  empty.taken_at += 20s;
  h.append(empty, {});
  CHECK(h.processes().count({42, 777}) == 0);
}

TEST_CASE("labels: a new identity_version (cgroup moved, exe changed) applies the rules again",
          "[analysis]") {
  // Same comm throughout: before the fix only a comm change relabelled, so a process moved into
  // its cgroup after start kept its first cgroup label and group for life, and an excluded one
  // stayed excluded.
  store::SeriesStore h({.interval = 1s, .retention = 1h});
  analysis::ProcessRules r;
  r.by = analysis::GroupBy::kCgroup;
  analysis::Matcher exc;
  exc.cgroup = *Pattern::compile("/system.slice/containerd.service");
  r.exclude.push_back(exc);
  const auto labeler = analysis::make_labeler(r, {}, 128);

  auto at = [](int n, const std::string& cgroup, std::uint32_t version) {
    model::Snapshot s = snapshot(n, "java");
    s.processes[0].cgroup = cgroup;
    s.processes[0].identity_version = version;
    return s;
  };
  h.append(at(0, "/system.slice/containerd.service", 0), labeler);
  CHECK(h.processes().count({42, 777}) == 0);  // excluded while in the runtime's cgroup
  h.append(at(1, "/kubepods/pod1/abc", 1), labeler);
  REQUIRE(h.processes().count({42, 777}) == 1);  // judged again: now tracked
  CHECK(h.processes().at({42, 777}).labels.group == "/kubepods/pod1/abc");
  h.append(at(2, "/kubepods/pod2/def", 2), labeler);
  CHECK(h.processes().at({42, 777}).labels.cgroup == "/kubepods/pod2/def");
  CHECK(h.processes().at({42, 777}).labels.group == "/kubepods/pod2/def");
  CHECK(h.processes().at({42, 777}).series.size() == 2);  // one series, history kept
}
