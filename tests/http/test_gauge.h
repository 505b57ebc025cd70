#pragma once

// The gauge family the HTTP tests' collectables serve, with no series yet.

#include <prometheus/metric_family.h>
#include <prometheus/metric_type.h>

namespace lw::testing {

inline prometheus::MetricFamily test_gauge_family() {
  prometheus::MetricFamily family;
  family.name = "leakwatch_test_metric";
  family.help = "A gauge for the HTTP tests.";
  family.type = prometheus::MetricType::Gauge;
  return family;
}

}  // namespace lw::testing
