#pragma once

// Turns the latest Report into Prometheus metric families at scrape time: no I/O, no analysis,
// never throws (an exception on an HTTP worker thread would abort the daemon).

#include <vector>

#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>

#include "export/report_board.h"

namespace lw::exporter {

class LeakCollectable final : public prometheus::Collectable {
 public:
  explicit LeakCollectable(const ReportBoard& board) : board_(board) {}
  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  const ReportBoard& board_;
};

// The exposition text of a report (what /metrics serves), for tests and --once.
std::string render_metrics(const analysis::Report& report);

}  // namespace lw::exporter
