#include "analysis/history.h"

#include <chrono>
#include <regex>

#include <catch2/catch.hpp>

using namespace lw;
using namespace std::chrono_literals;

namespace {

scan::Snapshot snapshot(int n, const std::string& comm) {
  scan::Snapshot s;
  s.taken_at = scan::SteadyTime(std::chrono::seconds(1000 + n));
  s.wall_time = scan::WallTime(std::chrono::seconds(1700000000 + n));
  scan::ProcessSample p;
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
  inc.comm = std::regex("svc-.*");
  r.include.push_back(inc);
  analysis::Matcher exc;
  exc.comm = std::regex("ignored");
  r.exclude.push_back(exc);
  return r;
}

}  // namespace

TEST_CASE("history: a process that renames itself gets new labels and rules", "[analysis]") {
  analysis::History h({.interval = 1s, .retention = 1h});
  const auto r = rules();
  h.ingest(snapshot(0, "sh"), r, {});
  const auto& e = h.processes().at({42, 777});
  CHECK(e.comm == "sh");
  CHECK_FALSE(e.included);
  // exec of the real service (same pid and starttime): labels follow, include now matches,
  // and the history continues in the same series.
  h.ingest(snapshot(1, "svc-worker"), r, {});
  const auto& e2 = h.processes().at({42, 777});
  CHECK(e2.comm == "svc-worker");
  CHECK(e2.group == "svc-worker");
  CHECK(e2.included);
  CHECK(e2.series.size() == 2);
  // Renamed into an excluded name: forgotten.
  h.ingest(snapshot(2, "ignored"), r, {});
  CHECK(h.processes().count({42, 777}) == 0);
}

TEST_CASE("history: exited processes stay for the grace period, then go", "[analysis]") {
  analysis::History h({.interval = 1s, .retention = 1h, .dead_grace = 10s});
  h.ingest(snapshot(0, "a"), {}, {});
  scan::Snapshot empty = snapshot(1, "a");
  empty.processes.clear();
  h.ingest(empty, {}, {});
  REQUIRE(h.processes().count({42, 777}) == 1);
  CHECK_FALSE(h.processes().at({42, 777}).alive);
  empty.taken_at += 20s;
  h.ingest(empty, {}, {});
  CHECK(h.processes().count({42, 777}) == 0);
}
