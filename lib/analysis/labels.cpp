#include "analysis/labels.h"

#include "base/text.h"

namespace lw::analysis {

store::Labeler make_labeler(const ProcessRules& rules, IdentityLookup identity,
                            std::size_t max_label_bytes) {
  return [&rules, identity = std::move(identity),
          max_label_bytes](const model::ProcessSample& p) -> std::optional<store::ProcessLabels> {
    ProcessFacts facts;
    facts.comm = p.comm;
    facts.cgroup = p.cgroup;
    facts.unit = p.unit;
    facts.pid = p.id.pid;
    if (rules.needs_identity && identity) {
      const auto [exe, cmdline] = identity(p.id);
      facts.exe = exe;
      facts.cmdline = cmdline;
    }
    if (rules.excluded(facts)) {
      return std::nullopt;
    }
    store::ProcessLabels labels;
    labels.comm = text::sanitize_utf8(p.comm, max_label_bytes);
    labels.group = text::sanitize_utf8(rules.group_of(facts), max_label_bytes);
    labels.cgroup = text::sanitize_utf8(p.cgroup, 4 * max_label_bytes);
    labels.unit = text::sanitize_utf8(p.unit, max_label_bytes);
    labels.included = rules.included(facts);
    labels.smaps_forced = rules.smaps_forced(facts);
    return labels;
  };
}

}  // namespace lw::analysis
