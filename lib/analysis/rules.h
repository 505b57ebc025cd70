#pragma once

// How processes are grouped and which ones are included, excluded or forced into the smaps
// budget. Plain data compiled from the configuration by the daemon; regexes are compiled once and
// evaluated once per new process (never per scan).

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/pattern.h"

namespace lw::analysis {

enum class GroupBy { kComm, kUnit, kCgroup, kRules };

// What a matcher can look at. exe and cmdline are only filled when some rule needs them.
struct ProcessFacts {
  std::string_view comm;
  std::string_view exe;
  std::string_view cmdline;
  std::string_view cgroup;
  std::string_view unit;
  int pid = 0;
};

// Every field that is set must fully match (RE2 syntax; linear in the text, so a 64 KiB
// cmdline is safe on the scanner thread's stack).
struct Matcher {
  std::optional<lw::Pattern> comm, exe, cmdline, cgroup;
  bool matches(const ProcessFacts& f) const;
};

struct GroupRule {
  Matcher match;
  std::string name_template;  // {comm}, {unit}, {cgroup}, {pid}
};

struct ProcessRules {
  GroupBy by = GroupBy::kComm;
  std::vector<GroupRule> group_rules;
  std::vector<Matcher> include;      // always tracked
  std::vector<Matcher> exclude;      // ignored entirely
  std::vector<Matcher> smaps_force;  // smaps_rollup read even above max_rss
  bool needs_identity = false;       // some matcher looks at exe or cmdline

  std::string group_of(const ProcessFacts& f) const;
  bool included(const ProcessFacts& f) const;
  bool excluded(const ProcessFacts& f) const;
  bool smaps_forced(const ProcessFacts& f) const;
};

// Substitutes {comm}, {unit}, {cgroup} and {pid} in a group-name template.
std::string expand_template(std::string_view tmpl, const ProcessFacts& f);

}  // namespace lw::analysis
