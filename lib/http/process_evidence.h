#pragma once

// The evidence sections of the per-process page (process_page.h): for one resource, the rates per
// window, the trends and the floor the classifier saw (analysis/classify.h), the terms of the
// score and each condition of "suspect" with its value; and the time to limit.

#include <string>

#include "analysis/report.h"

namespace lw::http::process {

enum class Resource { kMemory, kFds };

void render_evidence(std::string& out, const analysis::Report& report,
                     const analysis::ProcessReport& p, Resource resource, double now_wall_seconds);
void render_time_to_limit(std::string& out, const analysis::ProcessReport& p);

}  // namespace lw::http::process
