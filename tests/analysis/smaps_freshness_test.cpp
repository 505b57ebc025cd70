// A smaps_rollup reading carries its age, and one older than smaps_max_age is dropped instead of
// being reported as current (reads stop above max_rss or when the budget runs out). Group PSS sums
// say how many readings they hold.

#include <chrono>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "analysis/report_builder.h"
#include "analysis/report_lookup.h"
#include "store/series_store.h"

namespace lw::analysis {
using lw::analysis::testing::process_in;

namespace {

constexpr std::uint64_t kMiB = 1024ULL * 1024;
constexpr std::int64_t kStepS = 10;
const model::ProcessId kRead{100, 1};   // smaps read once, at scan 0, then never again
const model::ProcessId kNever{200, 2};  // same group, never read

model::ProcessSample process(model::ProcessId id, bool with_smaps) {
  model::ProcessSample p;
  p.id = id;
  p.comm = "worker";
  p.start_time_seconds = 1.7e9 - 86400;
  p.anon_bytes = 100 * kMiB;
  p.rss_bytes = 110 * kMiB;
  p.swap_bytes = 0;
  p.open_fds = 5;
  if (with_smaps) {
    procfs::SmapsRollup s;
    s.pss_bytes = 90 * kMiB;
    s.private_clean_bytes = 0;
    s.private_dirty_bytes = 80 * kMiB;
    s.anon_huge_pages_bytes = 2 * kMiB;
    p.smaps = s;
  }
  return p;
}

model::Snapshot scan(int n) {
  model::Snapshot s;
  s.taken_at = model::SteadyTime(std::chrono::seconds(1000 + n * kStepS));
  s.wall_time = model::WallTime(std::chrono::seconds(1'700'000'000 + n * kStepS));
  s.processes = {process(kRead, n == 0), process(kNever, false)};
  return s;
}

}  // namespace

TEST_CASE("smaps freshness: the age is reported and a reading past max_age is dropped",
          "[analysis]") {
  AnalysisOptions o;
  o.windows = {std::chrono::minutes(15)};
  o.window_labels = {"15m"};
  o.smaps_max_age_seconds = 60;
  store::SeriesStore store({.interval = std::chrono::seconds(kStepS)});
  ReportBuilder builder(o);
  std::vector<OomEvent> events;
  std::shared_ptr<const Report> report;
  const auto run = [&](int n) {
    const auto s = scan(n);
    store.append(s, {});
    report = builder.build(store, s, SelfReport{}, "v2", events);
  };

  run(0);
  {
    const ProcessReport& p = process_in(*report, kRead);
    REQUIRE(p.smaps_age_seconds);
    CHECK(*p.smaps_age_seconds == 0.0);
    CHECK(p.pss_bytes == 90 * kMiB);
    REQUIRE(report->groups.size() == 1);
    CHECK(report->groups[0].pss_bytes == 90 * kMiB);
    CHECK(report->groups[0].pss_readings == 1);
    CHECK(report->groups[0].processes == 2);
    CHECK_FALSE(process_in(*report, kNever).smaps_age_seconds);
  }
  for (int n = 1; n <= 6; ++n) {
    run(n);
  }
  {
    const ProcessReport& p = process_in(*report, kRead);  // 60 s old: still within max_age
    REQUIRE(p.smaps_age_seconds);
    CHECK(*p.smaps_age_seconds == Approx(60.0));
    CHECK(p.pss_bytes == 90 * kMiB);
    CHECK(p.uss_bytes == 80 * kMiB);
  }
  run(7);
  {
    const ProcessReport& p =
        process_in(*report, kRead);  // 70 s old: dropped, not exported as current
    CHECK_FALSE(p.smaps_age_seconds);
    CHECK_FALSE(p.pss_bytes);
    CHECK_FALSE(p.uss_bytes);
    CHECK_FALSE(p.anon_huge_pages_bytes);
    CHECK_FALSE(report->groups[0].pss_bytes);
    CHECK(report->groups[0].pss_readings == 0);
  }
}

}  // namespace lw::analysis
