#include "analysis/rules.h"

#include <algorithm>

namespace lw::analysis {

namespace {
bool full_match(const std::optional<lw::Pattern>& re, std::string_view s) {
  return !re || re->full_match(s);
}
bool any_match(const std::vector<Matcher>& ms, const ProcessFacts& f) {
  return std::any_of(ms.begin(), ms.end(), [&](const Matcher& m) { return m.matches(f); });
}
}  // namespace

bool Matcher::matches(const ProcessFacts& f) const {
  return full_match(comm, f.comm) && full_match(exe, f.exe) && full_match(cmdline, f.cmdline) &&
         full_match(cgroup, f.cgroup);
}

std::string expand_template(std::string_view tmpl, const ProcessFacts& f) {
  std::string out;
  while (!tmpl.empty()) {
    const auto open = tmpl.find('{');
    if (open == std::string_view::npos) {
      out.append(tmpl);
      break;
    }
    out.append(tmpl.substr(0, open));
    tmpl.remove_prefix(open);
    const auto close = tmpl.find('}');
    if (close == std::string_view::npos) {
      out.append(tmpl);
      break;
    }
    const std::string_view key = tmpl.substr(1, close - 1);
    if (key == "comm") {
      out.append(f.comm);
    } else if (key == "unit") {
      out.append(f.unit);
    } else if (key == "cgroup") {
      out.append(f.cgroup);
    } else if (key == "pid") {
      out.append(std::to_string(f.pid));
    } else {
      out.append(tmpl.substr(0, close + 1));
    }
    tmpl.remove_prefix(close + 1);
  }
  return out;
}

std::string ProcessRules::group_of(const ProcessFacts& f) const {
  switch (by) {
    case GroupBy::kComm:
      return std::string(f.comm);
    case GroupBy::kUnit:
      return f.unit.empty() ? std::string(f.comm) : std::string(f.unit);
    case GroupBy::kCgroup:
      return f.cgroup.empty() ? std::string(f.comm) : std::string(f.cgroup);
    case GroupBy::kRules:
      for (const GroupRule& rule : group_rules) {
        if (rule.match.matches(f)) {
          return expand_template(rule.name_template, f);
        }
      }
      return std::string(f.comm);
  }
  return std::string(f.comm);
}

bool ProcessRules::included(const ProcessFacts& f) const {
  return any_match(include, f);
}
bool ProcessRules::excluded(const ProcessFacts& f) const {
  return any_match(exclude, f);
}
bool ProcessRules::smaps_forced(const ProcessFacts& f) const {
  return any_match(smaps_force, f);
}

}  // namespace lw::analysis
