#pragma once

// Collects one scrape's metric families from the metric table: code names a family by `Metric`
// and gives label values in the table's label order, so it can write neither a name nor a label
// name of its own. Families come out in table order; those without samples are left out.

#include <initializer_list>
#include <optional>
#include <string_view>
#include <vector>

#include <prometheus/client_metric.h>
#include <prometheus/metric_family.h>

#include "export/metric_table.h"

namespace lw::exporter {

class FamilyBuilder {
 public:
  using LabelValues = std::initializer_list<std::string_view>;

  FamilyBuilder();

  // One gauge or counter sample. Throws std::logic_error when the values do not match the
  // table's labels or the family is a histogram: a programming error, which LeakCollectable
  // turns into an empty scrape and the exporter's golden test into a failure.
  void add(Metric metric, LabelValues label_values, double value);

  // An absent reading is no sample at all, never 0.
  template <typename T>
  void add(Metric metric, LabelValues label_values, const std::optional<T>& value) {
    if (value) {
      add(metric, label_values, static_cast<double>(*value));
    }
  }

  void add_histogram(Metric metric, prometheus::ClientMetric::Histogram histogram);

  std::vector<prometheus::MetricFamily> take();

 private:
  prometheus::ClientMetric& new_sample(Metric metric, LabelValues label_values);

  std::vector<prometheus::MetricFamily> families_;  // index = Metric
};

}  // namespace lw::exporter
