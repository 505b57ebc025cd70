#include "export/family_builder.h"

#include <stdexcept>
#include <string>
#include <utility>

namespace lw::exporter {

FamilyBuilder::FamilyBuilder() {
  const auto table = metric_table();
  families_.reserve(table.size());
  for (const MetricSpec& spec : table) {
    families_.push_back({std::string(spec.name), std::string(spec.help), spec.type, {}});
  }
}

prometheus::ClientMetric& FamilyBuilder::new_sample(Metric metric, LabelValues label_values) {
  const MetricSpec& spec = metric_spec(metric);
  if (label_values.size() != spec.labels.size()) {
    throw std::logic_error("label values do not match the table for " + std::string(spec.name));
  }
  prometheus::ClientMetric sample;
  sample.label.reserve(label_values.size());
  auto value = label_values.begin();
  for (const LabelSpec& label : spec.labels) {
    if (!value->empty() || !label.omitted_when_empty) {
      sample.label.push_back({std::string(label.name), std::string(*value)});
    }
    ++value;
  }
  auto& family = families_[static_cast<std::size_t>(metric)];
  family.metric.push_back(std::move(sample));
  return family.metric.back();
}

void FamilyBuilder::add(Metric metric, LabelValues label_values, double value) {
  const auto type = metric_spec(metric).type;
  if (type == prometheus::MetricType::Counter) {
    new_sample(metric, label_values).counter.value = value;
  } else if (type == prometheus::MetricType::Gauge) {
    new_sample(metric, label_values).gauge.value = value;
  } else {
    throw std::logic_error("not a gauge or counter: " + std::string(metric_spec(metric).name));
  }
}

void FamilyBuilder::add_histogram(Metric metric, prometheus::ClientMetric::Histogram histogram) {
  if (metric_spec(metric).type != prometheus::MetricType::Histogram) {
    throw std::logic_error("not a histogram: " + std::string(metric_spec(metric).name));
  }
  new_sample(metric, {}).histogram = std::move(histogram);
}

std::vector<prometheus::MetricFamily> FamilyBuilder::take() {
  // A family with no samples would still print HELP/TYPE; drop it to keep the output tidy.
  std::vector<prometheus::MetricFamily> out;
  out.reserve(families_.size());
  for (auto& family : families_) {
    if (!family.metric.empty()) {
      out.push_back(std::move(family));
    }
  }
  families_.clear();
  return out;
}

}  // namespace lw::exporter
