#pragma once

// The store's Labeler from the config's rules: which processes are kept (exclude rules), their
// label values (sanitised and length-capped), their group, and the include / smaps.force flags.

#include <cstddef>
#include <functional>
#include <string_view>
#include <utility>

#include "analysis/rules.h"
#include "model/snapshot.h"
#include "store/series_store.h"

namespace lw::analysis {

// exe and cmdline of a process, when the sampler read them (rules that need them).
using IdentityLookup =
    std::function<std::pair<std::string_view, std::string_view>(const model::ProcessId&)>;

// `rules` must outlive the returned Labeler.
store::Labeler make_labeler(const ProcessRules& rules, IdentityLookup identity,
                            std::size_t max_label_bytes);

}  // namespace lw::analysis
