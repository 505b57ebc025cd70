// The order of Report::processes: largest private memory (anon + swap) first; processes of equal
// size (or none: no RssAnon counts as 0) keep the order the analysis produced them in, the store's.
// The builder sorts indices and permutes the reports in place, so this checks the permutation too.

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "analysis/report_builder.h"
#include "store/series_store.h"

namespace lw::analysis {
namespace {

constexpr std::uint64_t kPage = 4096;

// The comm of the i-th process. Appended piece by piece: `"w" + std::to_string(...)` trips GCC 12's
// -O3 -Wrestrict false positive in the Release build.
std::string comm_of(std::size_t i) {
  std::string comm = "w";
  comm += std::to_string(i % 7);
  return comm;
}

model::Snapshot fleet(std::size_t n, std::uint32_t seed) {
  std::mt19937 rng(seed);
  model::Snapshot s;
  s.taken_at = model::SteadyTime(std::chrono::seconds(1000));
  s.wall_time = model::WallTime(std::chrono::seconds(1'700'000'000));
  for (std::size_t i = 0; i < n; ++i) {
    model::ProcessSample p;
    p.id = {static_cast<std::int32_t>(1000 + i), 100 + i};
    p.comm = comm_of(i);
    p.start_time_seconds = 1'700'000'000 - 86400;
    p.rss_bytes = 64 * kPage;
    // Few distinct sizes, so most processes tie with others; one in ten has no RssAnon at all.
    if (rng() % 10 != 0) {
      p.anon_bytes = (rng() % 8) * kPage;
      p.swap_bytes = (rng() % 3 == 0) ? kPage : 0;
    }
    s.processes.push_back(p);
  }
  return s;
}

}  // namespace

TEST_CASE("report builder: processes by private memory, ties in the analysis order", "[analysis]") {
  const std::uint32_t seed = GENERATE(1u, 2u, 3u);
  const std::size_t n = GENERATE(std::size_t{0}, std::size_t{1}, std::size_t{2000});
  INFO("seed " << seed << ", " << n << " processes");
  store::SeriesStore store({.interval = std::chrono::seconds(10)});
  ReportBuilder builder(AnalysisOptions{});
  const model::Snapshot snap = fleet(n, seed);
  store.append(snap, {});
  std::vector<OomEvent> events;
  const auto report = builder.build(store, snap, SelfReport{}, "v2", events);

  // Expected: the store's order (the analysis walks it), stably sorted by size, largest first.
  struct Row {
    model::ProcessId id;
    std::uint64_t private_bytes = 0;
  };
  std::vector<Row> expected;
  for (const auto& [id, series] : store.processes()) {
    const auto sample = std::find_if(snap.processes.begin(), snap.processes.end(),
                                     [&](const auto& p) { return p.id == id; });
    REQUIRE(sample != snap.processes.end());
    expected.push_back({id, sample->private_bytes().value_or(0)});
  }
  std::stable_sort(expected.begin(), expected.end(),
                   [](const Row& a, const Row& b) { return a.private_bytes > b.private_bytes; });

  REQUIRE(report->processes.size() == expected.size());
  std::size_t mismatches = 0;
  for (std::size_t i = 0; i < expected.size(); ++i) {
    const ProcessReport& p = report->processes[i];
    mismatches += p.id == expected[i].id ? 0 : 1;
    // Each report moved whole: its readings still belong to its process.
    CHECK(p.comm == comm_of(static_cast<std::size_t>(p.id.pid - 1000)));
  }
  CHECK(mismatches == 0);
}

}  // namespace lw::analysis
