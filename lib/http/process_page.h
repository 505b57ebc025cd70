#pragma once

// The page of one process, served at /process/{pid}: one self-contained HTML document (inline CSS
// and SVG, no scripts, no external assets) rendered from the published Report, like the status
// page. It shows the process's private memory, RSS, PSS and FDs over the longest window with the
// current regime's start marked, each verdict with its evidence (rates per window, the floor, the
// terms of the score, each condition of "suspect"), the time to limit, the headroom formula's
// terms and, for a crash-looping group, its instances. Every string from the report is escaped.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "analysis/report.h"

namespace lw::http {

// One term of the headroom formula, e.g. {"−", "active_file", 123, "memory.stat"}.
struct HeadroomTerm {
  std::string sign;  // "+", "−" or "" (the first term)
  std::string name;
  std::optional<std::uint64_t> bytes;
  std::string source;  // where the value is read, e.g. "memory.stat"
};

// The headroom behind a process's memory time to limit: limit − unreclaimable, where
// unreclaimable is the sum of `terms`.
struct HeadroomView {
  std::string formula;     // shown as it is, e.g. "headroom = limit − unreclaimable"
  std::string scope;       // the cgroup path, or "host"
  std::string limit_kind;  // "cgroup", "cgroup_high", "system"
  std::optional<std::uint64_t> limit_bytes;
  std::vector<HeadroomTerm> terms;  // unreclaimable = the signed sum
  std::optional<std::uint64_t> unreclaimable_bytes;
  std::optional<std::uint64_t> swap_available_bytes;  // added to the headroom when present
  std::optional<std::uint64_t> headroom_bytes;
  std::optional<double> growth_bytes_per_second;  // of the unreclaimable memory
};

// One instance of a crash-looping group, unit or cgroup.
struct CrashLoopInstance {
  std::int32_t pid = 0;
  double started_at = 0;           // wall seconds
  std::optional<double> ended_at;  // wall seconds; nullopt: still running
  std::string
      end_cause;  // death_cause_name(): "oom_kill", "restarted", "exited", "pending"; "" running
  std::optional<std::uint64_t> peak_private_bytes;
  std::string pattern;  // its own pattern before it ended
};

struct CrashLoopView {
  std::string group;
  bool suspect = false;
  std::vector<CrashLoopInstance> instances;  // oldest first
};

// Data the Report does not carry yet; each section says "not available" without it. The headroom
// defaults to the one the memory verdict carries.
struct ProcessPageExtras {
  std::optional<HeadroomView> headroom;
  std::optional<CrashLoopView> crash_loop;
};

// The page of the live process `pid`; nullopt when the report has no live process with it.
// `now_wall_seconds` is used only for ages.
std::optional<std::string> render_process_page(const analysis::Report& report, std::int32_t pid,
                                               double now_wall_seconds,
                                               const ProcessPageExtras& extras = {});

// The crash-loop view of `p`'s group from the report (GroupReport::deaths, crash_loop), with `p`
// as the running instance; nullopt when its group has no recorded deaths.
std::optional<CrashLoopView> crash_loop_view(const analysis::Report& report,
                                             const analysis::ProcessReport& p);

// A small page for an error answer (404 unknown process, 400 bad pid), linking back to "/".
std::string render_process_error_page(int status, const std::string& message);

// The view of the headroom terms a memory verdict carries (analysis/report.h), with the growth
// rate that its time to limit implies.
HeadroomView headroom_view(const analysis::HeadroomTerms& terms,
                           const std::optional<double>& seconds_to_limit);

// The two sections, separately testable. Without data each says "not available".
std::string render_headroom_section(const std::optional<HeadroomView>& headroom);
std::string render_crash_loop_section(const std::optional<CrashLoopView>& crash_loop);

}  // namespace lw::http
