#pragma once

// Finding one process's report in a built Report, for the analysis tests.

#include <catch2/catch.hpp>

#include "analysis/report.h"

namespace lw::analysis::testing {

// The report of process `id`; fails the test when the report does not hold it.
inline const ProcessReport& process_in(const Report& r, const model::ProcessId& id) {
  for (const auto& p : r.processes) {
    if (p.id == id) {
      return p;
    }
  }
  FAIL("process " << id.pid << " missing from the report");
  return r.processes.front();
}

}  // namespace lw::analysis::testing
