#pragma once

// Tiny reader for Prometheus text exposition in tests: finds samples by name and labels.

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace lw::testing {

struct MetricSample {
  std::string name;
  std::map<std::string, std::string> labels;  // values unescaped
  double value = 0;
  std::string raw_line;
};

std::vector<MetricSample> parse_exposition(const std::string& text);

// The first sample with that name whose labels include every given (name, value).
std::optional<double> find_sample(const std::vector<MetricSample>& samples, const std::string& name,
                                  const std::map<std::string, std::string>& labels = {});

// Series (name + sorted labels) that occur more than once.
std::vector<std::string> duplicate_series(const std::vector<MetricSample>& samples);

}  // namespace lw::testing
