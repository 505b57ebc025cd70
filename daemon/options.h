#pragma once

// Maps the validated Config onto the option structs of the library modules.

#include "analysis/report_builder.h"
#include "analysis/rules.h"
#include "config/config.h"
#include "http/server.h"
#include "scan/process_sampler.h"
#include "store/series_store.h"

namespace lw::daemon {

analysis::AnalysisOptions analysis_options(const config::Config& cfg);
analysis::ProcessRules process_rules(const config::Config& cfg);
store::SeriesStoreOptions store_options(const config::Config& cfg);
scan::SmapsPolicy smaps_policy(const config::Config& cfg);
http::ServerOptions server_options(const config::Config& cfg);

}  // namespace lw::daemon
