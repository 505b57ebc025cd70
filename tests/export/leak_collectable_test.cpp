// The exporter alone: a hand-built Report through LeakCollectable::Collect() and prometheus-cpp's
// TextSerializer, compared whole with tests/golden/exporter.prom (cadvisor's golden-file style).
// LW_UPDATE_GOLDEN=1 rewrites the golden file (review the diff!).

#include "export/leak_collectable.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <prometheus/text_serializer.h>

#include <catch2/catch.hpp>

#include "export/exporter_report.h"
#include "support/fake_root.h"
#include "support/metrics_text.h"

using namespace lw::testing;
namespace fs = std::filesystem;

namespace {

std::string exposition(const lw::analysis::Report& report) {
  lw::exporter::ReportBoard board;
  board.publish(std::make_shared<const lw::analysis::Report>(report));
  const lw::exporter::LeakCollectable collectable(board);
  std::ostringstream out;
  prometheus::TextSerializer{}.Serialize(out, collectable.Collect());
  return out.str();
}

}  // namespace

TEST_CASE("exporter: the exposition of a hand-built report matches the golden file", "[export]") {
  const std::string text = exposition(exporter_report());
  const fs::path golden = fs::path(LW_GOLDEN_DIR) / "exporter.prom";
  if (std::getenv("LW_UPDATE_GOLDEN") != nullptr) {  // NOLINT(concurrency-mt-unsafe)
    std::ofstream(golden) << text;
  }
  CHECK(text == read_file(golden));
  CHECK(text == lw::exporter::render_metrics(exporter_report()));
}

TEST_CASE("exporter: per-process series only for tracked live processes", "[export]") {
  const auto samples = parse_exposition(exposition(exporter_report()));
  CHECK(duplicate_series(samples).empty());
  for (const auto& s : samples) {
    if (s.name.rfind("leakwatch_process_", 0) == 0) {
      INFO(s.raw_line);
      CHECK(s.labels.at("pid") != "100");  // untracked, even though a suspect
      CHECK(s.labels.at("pid") != "555");  // exited
    }
  }
  CHECK(find_sample(samples, "leakwatch_process_leak_suspect",
                    {{"pid", "4242"}, {"resource", "memory"}}) == 1.0);
}

TEST_CASE("exporter: absent readings are absent, not 0", "[export]") {
  const auto samples = parse_exposition(exposition(exporter_report()));
  const std::map<std::string, std::string> sparse{{"pid", "777"}};
  CHECK(find_sample(samples, "leakwatch_process_resident_bytes", sparse) == 3.0 * kMiB);
  CHECK_FALSE(find_sample(samples, "leakwatch_process_resident_anon_bytes", sparse));
  CHECK_FALSE(find_sample(samples, "leakwatch_process_pss_bytes", sparse));
  CHECK_FALSE(find_sample(samples, "leakwatch_process_growth_pattern", sparse));
  CHECK_FALSE(find_sample(samples, "leakwatch_process_seconds_to_limit", sparse));
  CHECK_FALSE(find_sample(samples, "leakwatch_process_memory_growth_bytes_per_second",
                          {{"pid", "4242"}, {"window", "6h"}}));
  CHECK_FALSE(
      find_sample(samples, "leakwatch_cgroup_memory_limit_bytes", {{"cgroup", "/odd\\path\"x"}}));
  CHECK_FALSE(find_sample(samples, "leakwatch_system_memory_pressure_stalled_seconds_total"));
  CHECK(find_sample(samples, "leakwatch_system_memory_pressure_waiting_seconds_total") == 0.5);
}

TEST_CASE("exporter: smaps freshness and store evictions are in /metrics", "[export]") {
  lw::analysis::Report report = exporter_report();
  auto samples = parse_exposition(exposition(report));
  CHECK(find_sample(samples, "leakwatch_process_smaps_age_seconds", {{"pid", "4242"}}) == 42.5);
  CHECK(find_sample(samples, "leakwatch_group_pss_readings", {{"group", "web&co"}}) == 1.0);
  CHECK(find_sample(samples, "leakwatch_group_pss_readings", {{"group", "sparse"}}) == 0.0);
  CHECK(find_sample(samples, "leakwatch_store_evictions_total", {{"reason", "exited"}}) == 5.0);
  CHECK(find_sample(samples, "leakwatch_store_evictions_total", {{"reason", "idle"}}) == 2.0);
  CHECK(find_sample(samples, "leakwatch_store_evictions_total", {{"reason", "refused"}}) == 1.0);

  // A dropped (too old) reading: no age, no PSS, not a stale value passed off as current.
  report.processes[0].smaps_age_seconds.reset();
  report.processes[0].pss_bytes.reset();
  samples = parse_exposition(exposition(report));
  CHECK_FALSE(find_sample(samples, "leakwatch_process_smaps_age_seconds", {{"pid", "4242"}}));
  CHECK_FALSE(find_sample(samples, "leakwatch_process_pss_bytes", {{"pid", "4242"}}));
}

TEST_CASE("exporter: the daemon's self-cost: four phase counters, CPU absent when unread",
          "[export]") {
  lw::analysis::Report report = exporter_report();
  auto samples = parse_exposition(exposition(report));
  std::vector<std::string> phases;
  for (const auto& s : samples) {
    if (s.name == "leakwatch_scan_phase_seconds_total") {
      phases.push_back(s.labels.at("phase"));
    }
  }
  CHECK(phases == std::vector<std::string>{"sample", "smaps", "analysis", "publish"});
  CHECK(find_sample(samples, "leakwatch_scan_phase_seconds_total", {{"phase", "analysis"}}) ==
        0.625);
  CHECK(find_sample(samples, "leakwatch_daemon_cpu_seconds_total") == 3.75);

  report.self.daemon_cpu_seconds_total.reset();
  report.self.scan_phase_seconds_total = {};
  samples = parse_exposition(exposition(report));
  CHECK_FALSE(find_sample(samples, "leakwatch_daemon_cpu_seconds_total"));
  // Before the first cycle ends the phases are 0, not absent: a counter that has not moved yet.
  CHECK(find_sample(samples, "leakwatch_scan_phase_seconds_total", {{"phase", "publish"}}) == 0.0);
}

TEST_CASE("exporter: label values come out escaped and read back unchanged", "[export]") {
  const std::string text = exposition(exporter_report());
  CHECK(text.find(R"(comm="a\"b\\c\nd")") != std::string::npos);
  const auto samples = parse_exposition(text);
  CHECK(find_sample(samples, "leakwatch_process_info", {{"comm", "a\"b\\c\nd"}}) == 1.0);
  CHECK(find_sample(samples, "leakwatch_oom_kills_total", {{"group", "we\"ird"}}) == 1.0);
}
