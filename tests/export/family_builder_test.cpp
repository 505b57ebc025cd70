// FamilyBuilder: the one place that turns table entries and label values into families.

#include "export/family_builder.h"

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

using lw::exporter::FamilyBuilder;
using lw::exporter::Metric;

namespace {

std::vector<std::string> label_names(const prometheus::ClientMetric& m) {
  std::vector<std::string> out;
  for (const auto& l : m.label) {
    out.push_back(l.name);
  }
  return out;
}

}  // namespace

TEST_CASE("family builder: names, help, type and label names come from the table", "[export]") {
  FamilyBuilder b;
  b.add(Metric::kScanErrorsTotal, {"io"}, 3.0);
  b.add(Metric::kProcessLeakScore, {"a", "g", "1", "memory"}, 0.5);
  const auto families = b.take();
  REQUIRE(families.size() == 2);
  // Table order, not the order of the calls.
  CHECK(families[0].name == "leakwatch_process_leak_score");
  CHECK(families[0].type == prometheus::MetricType::Gauge);
  CHECK(families[0].help == "Leak score 0..1 of the process for the resource");
  CHECK(label_names(families[0].metric.at(0)) ==
        std::vector<std::string>{"comm", "group", "pid", "resource"});
  CHECK(families[0].metric.at(0).gauge.value == 0.5);
  CHECK(families[1].name == "leakwatch_scan_errors_total");
  CHECK(families[1].type == prometheus::MetricType::Counter);
  CHECK(families[1].metric.at(0).counter.value == 3.0);
}

TEST_CASE("family builder: an absent reading adds no sample", "[export]") {
  FamilyBuilder b;
  b.add(Metric::kStoreBytes, {}, std::optional<std::uint64_t>{});
  CHECK(b.take().empty());
}

TEST_CASE("family builder: a cgroup's empty unit label is left out, other empty labels stay",
          "[export]") {
  FamilyBuilder b;
  b.add(Metric::kCgroupLeakSuspect, {"/a", ""}, 1.0);
  b.add(Metric::kCgroupLeakSuspect, {"/b", "b.service"}, 0.0);
  b.add(Metric::kProcessInfo, {"", "comm", "group", "1", ""}, 1.0);
  const auto families = b.take();
  REQUIRE(families.size() == 2);
  CHECK(label_names(families[0].metric.at(0)) ==
        std::vector<std::string>{"cgroup", "comm", "group", "pid", "unit"});
  CHECK(label_names(families[1].metric.at(0)) == std::vector<std::string>{"cgroup"});
  CHECK(label_names(families[1].metric.at(1)) == std::vector<std::string>{"cgroup", "unit"});
}

TEST_CASE("family builder: label values that do not match the table are refused", "[export]") {
  FamilyBuilder b;
  CHECK_THROWS_AS(b.add(Metric::kProcessLeakScore, {"a", "g", "1"}, 0.5), std::logic_error);
  CHECK_THROWS_AS(b.add(Metric::kScansTotal, {"extra"}, 1.0), std::logic_error);
  CHECK_THROWS_AS(b.add(Metric::kScanDurationSeconds, {}, 1.0), std::logic_error);
  CHECK_THROWS_AS(b.add_histogram(Metric::kScansTotal, {}), std::logic_error);
  CHECK(b.take().empty());
}
