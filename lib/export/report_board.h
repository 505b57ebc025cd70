#pragma once

// Latest-value mailbox between the scanner thread (publishes one immutable Report per scan) and
// the HTTP threads (read it). A mutex around one shared_ptr: readers copy the pointer and format
// without holding the lock.

#include <memory>
#include <mutex>

#include "analysis/report.h"

namespace lw::exporter {

class ReportBoard {
 public:
  void publish(std::shared_ptr<const analysis::Report> report) {
    const std::lock_guard lock(mu_);
    latest_ = std::move(report);
  }
  std::shared_ptr<const analysis::Report> latest() const {
    const std::lock_guard lock(mu_);
    return latest_;
  }

 private:
  mutable std::mutex mu_;
  std::shared_ptr<const analysis::Report> latest_ = std::make_shared<const analysis::Report>();
};

}  // namespace lw::exporter
