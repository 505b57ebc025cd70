// Every `leakwatch_*` name that a user meets outside the binary (the alert rules' PromQL, the
// Grafana dashboard's queries, the README and the man page) must be a metric in the exporter's
// table; otherwise an alert or a panel silently shows nothing. The README's metric table must
// list every metric with the table's type, labels and HELP text.

#include <filesystem>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <catch2/catch.hpp>

#include "export/exporter_report.h"
#include "export/leak_collectable.h"
#include "export/metric_table.h"
#include "support/fake_root.h"
#include "support/metrics_text.h"

using lw::exporter::metric_table;
using lw::exporter::MetricSpec;
namespace fs = std::filesystem;

namespace {

bool is_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == ':';
}

// Names start with "leakwatch_" and a letter, after a character that cannot be part of a name
// (so "my_leakwatch_x" and the package file "leakwatch_0.1.0_amd64.deb" are not names).
std::set<std::string> leakwatch_names(std::string_view text) {
  constexpr std::string_view kPrefix = "leakwatch_";
  std::set<std::string> out;
  for (auto pos = text.find(kPrefix); pos != std::string_view::npos;
       pos = text.find(kPrefix, pos + 1)) {
    const auto after = pos + kPrefix.size();
    if ((pos > 0 && is_name_char(text[pos - 1])) || after >= text.size() || text[after] < 'a' ||
        text[after] > 'z') {
      continue;
    }
    auto end = after;
    while (end < text.size() && is_name_char(text[end])) {
      ++end;
    }
    out.emplace(text.substr(pos, end - pos));
  }
  return out;
}

const MetricSpec* find_metric(std::string_view name) {
  for (const MetricSpec& m : metric_table()) {
    if (m.name == name) {
      return &m;
    }
  }
  return nullptr;
}

// A series name to its family: a histogram's _bucket/_sum/_count series belong to the histogram.
const MetricSpec* family_of(std::string_view series) {
  if (const MetricSpec* m = find_metric(series)) {
    return m;
  }
  for (const std::string_view suffix : {"_bucket", "_sum", "_count"}) {
    if (series.ends_with(suffix)) {
      const MetricSpec* m = find_metric(series.substr(0, series.size() - suffix.size()));
      if (m != nullptr && m->type == prometheus::MetricType::Histogram) {
        return m;
      }
    }
  }
  return nullptr;
}

std::set<std::string> unknown_names(std::string_view text) {
  std::set<std::string> out;
  for (const auto& name : leakwatch_names(text)) {
    if (family_of(name) == nullptr) {
      out.insert(name);
    }
  }
  return out;
}

std::vector<fs::path> files_in(const fs::path& dir, std::string_view extension) {
  std::vector<fs::path> out;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.is_regular_file() && entry.path().extension() == extension) {
      out.push_back(entry.path());
    }
  }
  return out;
}

// Where users read metric names, by kind; each kind must yield at least one file.
std::map<std::string, std::vector<fs::path>> documents() {
  const fs::path src = LW_SOURCE_DIR;
  return {{"alert rules", files_in(src / "config/prometheus", ".yml")},
          {"dashboard", files_in(src / "config/grafana", ".json")},
          {"README", {src / "README.md"}},
          {"man page", {src / "packaging/leakwatchd.8"}}};
}

std::string type_name(prometheus::MetricType type) {
  switch (type) {
    case prometheus::MetricType::Counter:
      return "counter";
    case prometheus::MetricType::Gauge:
      return "gauge";
    case prometheus::MetricType::Histogram:
      return "histogram";
    default:
      return "untyped";
  }
}

// The README row for a metric, exactly as the README's metric table must have it.
std::string readme_row(const MetricSpec& m) {
  std::string labels;
  for (const auto& l : m.labels) {
    labels += (labels.empty() ? "`" : ", `") + std::string(l.name) + "`";
  }
  return "| `" + std::string(m.name) + "` | " + type_name(m.type) + " | " + labels + " | " +
         std::string(m.help) + " |";
}

}  // namespace

TEST_CASE("metric names: extraction finds names and flags unknown ones", "[export]") {
  const std::string promql =
      "histogram_quantile(0.9, rate(leakwatch_scan_duration_seconds_bucket[5m]))"
      " / leakwatch_scans_total_count + my_leakwatch_ignored"
      " and on(pid) leakwatch_process_leak_suspect{resource=\"memory\"}"
      " or leakwatch_bogus_metric see ./leakwatch_0.1.0_amd64.deb";
  CHECK(leakwatch_names(promql) == std::set<std::string>{"leakwatch_bogus_metric",
                                                         "leakwatch_process_leak_suspect",
                                                         "leakwatch_scan_duration_seconds_bucket",
                                                         "leakwatch_scans_total_count"});
  // A counter has no _count series: only a histogram's suffixes map to its base name.
  CHECK(unknown_names(promql) ==
        std::set<std::string>{"leakwatch_bogus_metric", "leakwatch_scans_total_count"});
}

TEST_CASE("metric names: rules, dashboard, README and man page name only metrics in the table",
          "[export]") {
  for (const auto& [kind, paths] : documents()) {
    INFO(kind);
    REQUIRE_FALSE(paths.empty());
    std::set<std::string> found;
    for (const auto& path : paths) {
      INFO(path.string());
      const std::string text = lw::testing::read_file(path);
      const auto names = leakwatch_names(text);
      found.insert(names.begin(), names.end());
      CHECK(unknown_names(text) == std::set<std::string>{});  // prints the unknown names
    }
    // A kind that names no metric at all means the extraction (or the file) broke.
    CHECK_FALSE(found.empty());
  }
}

TEST_CASE("metric names: the README's metric table lists every metric as the table has it",
          "[export]") {
  const std::string readme = lw::testing::read_file(fs::path(LW_SOURCE_DIR) / "README.md");
  for (const MetricSpec& m : metric_table()) {
    const std::string row = readme_row(m);
    INFO("README.md lacks the row:\n" << row);
    CHECK(readme.find("\n" + row + "\n") != std::string::npos);
  }
}

TEST_CASE("metric names: the exporter fixture renders every table entry with its labels",
          "[export]") {
  auto report = lw::testing::exporter_report();
  // The fixture leaves the host's PSI "full" line out (absent, not 0); here it must render.
  report.system.pressure->full = lw::procfs::PressureLine{.total_us = 1};
  const auto samples = lw::testing::parse_exposition(lw::exporter::render_metrics(report));
  std::set<std::string_view> rendered;
  for (const auto& s : samples) {
    INFO(s.raw_line);
    const MetricSpec* m = family_of(s.name);
    REQUIRE(m != nullptr);
    rendered.insert(m->name);
    for (const auto& [label, value] : s.labels) {
      bool declared = label == "le" && m->type == prometheus::MetricType::Histogram;
      for (const auto& l : m->labels) {
        declared = declared || l.name == label;
      }
      CHECK(declared);
    }
  }
  for (const MetricSpec& m : metric_table()) {
    INFO(m.name);
    CHECK(rendered.count(m.name) == 1);
  }
}
