#pragma once

// A hand-built Report that makes every metric family render at least once, plus the cases the
// exporter must leave out: a tracked process with absent readings (absent, not 0), an untracked
// suspect and an exited tracked process (no per-process series), a verdict not judged yet (no
// pattern series), a time to limit without a limit kind, a cgroup without unit or limit, host PSI
// with only the "some" line. Label values carry '"', '\\' and '\n', which must come out escaped.

#include <cstdint>

#include "analysis/report.h"

namespace lw::testing {

inline constexpr std::uint64_t kMiB = 1024 * 1024;
inline constexpr double kNow = 1'700'000'000.0;

inline analysis::ProcessReport tracked_leaky_process() {
  analysis::ProcessReport p;
  p.id = {4242, 987654};
  p.comm = "a\"b\\c\nd";
  p.group = "web&co";
  p.cgroup = "/system.slice/leaky.service";
  p.unit = "leaky.service";
  p.start_time_seconds = kNow - 5400;
  p.tracked = true;
  p.rss_bytes = 760 * kMiB;
  p.anon_bytes = 700 * kMiB;
  p.file_bytes = 60 * kMiB;
  p.shmem_bytes = 0;
  p.swap_bytes = 10 * kMiB;
  p.vsize_bytes = 2048 * kMiB;
  p.pss_bytes = 720 * kMiB;
  p.uss_bytes = 705 * kMiB;
  p.anon_huge_pages_bytes = 4 * kMiB;
  p.smaps_age_seconds = 42.5;
  p.open_fds = 12;
  p.max_fds = 1024;
  p.rates = {{"15m", 1000.0, std::nullopt}, {"1h", 2048.5, 0.25}, {"6h", std::nullopt, 0.0}};
  p.memory = {.pattern = "leak",
              .score = 0.93,
              .suspect = true,
              .seconds_to_limit = 3600,
              .limit_kind = "cgroup",
              .suspect_since_seconds = kNow - 600,
              .regime_since_seconds = kNow - 1800,
              .regime_change = "onset",
              .headroom = std::nullopt};
  p.fds = {.pattern = "growing",
           .score = 0.5,
           .suspect = false,
           .seconds_to_limit = 86400,
           .limit_kind = "nofile",
           .suspect_since_seconds = std::nullopt,
           .regime_since_seconds = std::nullopt,
           .regime_change = {},
           .headroom = std::nullopt};
  p.sibling_outlier = true;
  return p;
}

// Tracked, but most readings absent (a kernel without RssAnon, no smaps read yet), not judged
// yet, and a time to limit without a limit kind: none of these may be exported as 0.
inline analysis::ProcessReport tracked_sparse_process() {
  analysis::ProcessReport p;
  p.id = {777, 1};
  p.comm = "sparse";
  p.group = "sparse";
  p.start_time_seconds = kNow - 60;
  p.tracked = true;
  p.rss_bytes = 3 * kMiB;
  p.memory.pattern = "";
  p.memory.seconds_to_limit = 100;
  return p;
}

inline analysis::ProcessReport untracked_suspect_process() {
  analysis::ProcessReport p;
  p.id = {100, 50};
  p.comm = "untracked";
  p.group = "untracked";
  p.rss_bytes = 1 * kMiB;
  p.memory.suspect = true;
  p.memory.score = 1.0;
  return p;
}

inline analysis::ProcessReport exited_tracked_process() {
  analysis::ProcessReport p;
  p.id = {555, 60};
  p.comm = "gone";
  p.group = "gone";
  p.tracked = true;
  p.alive = false;
  p.anon_bytes = 5 * kMiB;
  p.memory.suspect = true;
  return p;
}

inline analysis::CgroupReport full_cgroup() {
  analysis::CgroupReport c;
  c.path = "/system.slice/leaky.service";
  c.unit = "leaky.service";
  c.sample.path = c.path;
  c.sample.inode = 4711;
  c.sample.usage_bytes = 800 * kMiB;
  c.sample.inactive_file_bytes = 50 * kMiB;
  c.sample.anon_bytes = 710 * kMiB;
  c.sample.file_bytes = 80 * kMiB;
  c.sample.swap_bytes = 2 * kMiB;
  c.sample.limit_bytes = 1024 * kMiB;
  c.sample.oom_kill_events = 3;
  c.sample.pressure = procfs::Pressure{.some = procfs::PressureLine{.total_us = 2'500'000},
                                       .full = procfs::PressureLine{.total_us = 1'250'000}};
  c.effective_limit_bytes = 1024 * kMiB;
  c.rates = {{"15m", std::nullopt, std::nullopt}, {"1h", 2100.0, std::nullopt}};
  c.memory = {.pattern = "leak",
              .score = 0.9,
              .suspect = true,
              .seconds_to_limit = 3500,
              .limit_kind = "cgroup",
              .suspect_since_seconds = std::nullopt,
              .regime_since_seconds = std::nullopt,
              .regime_change = {},
              .headroom = std::nullopt};
  return c;
}

// No unit label, no limit, no PSI, no swap reading (v1 without memsw): absent, not 0.
inline analysis::CgroupReport sparse_cgroup() {
  analysis::CgroupReport c;
  c.path = "/odd\\path\"x";
  c.sample.path = c.path;
  c.sample.usage_bytes = 10 * kMiB;
  c.memory.pattern = "flat";
  return c;
}

inline analysis::SystemReport system_report() {
  analysis::SystemReport s;
  s.mem_total_bytes = 16384 * kMiB;
  s.mem_available_bytes = 8192 * kMiB;
  s.swap_total_bytes = 2048 * kMiB;
  s.swap_free_bytes = 1024 * kMiB;
  s.anon_huge_pages_bytes = 6 * kMiB;
  s.committed_as_bytes = 9000 * kMiB;
  s.oom_kills_total = 4;
  s.thp_fault_alloc_total = 100;
  s.thp_fault_fallback_total = 7;
  s.compact_stall_total = 2;
  s.pressure =
      procfs::Pressure{.some = procfs::PressureLine{.total_us = 500'000}, .full = std::nullopt};
  s.available_rates = {{"15m", std::nullopt, std::nullopt}, {"1h", -4096.0, std::nullopt}};
  s.seconds_to_memory_exhaustion = 7200;
  s.cgroup_layout = "hybrid";
  return s;
}

inline analysis::SelfReport self_report() {
  analysis::SelfReport s;
  s.version = "0.1.0-test";
  s.scans_total = 42;
  s.scan_duration = {.bounds = {0.01, 0.1, 1.0}, .counts = {5, 40, 42}, .count = 42, .sum = 2.5};
  s.processes_scanned = 310;
  s.processes_tracked = 2;
  s.errors_gone = 9;
  s.errors_denied = 1;
  s.errors_parse = 2;
  s.errors_io = 3;
  s.errors_cgroup = 4;
  s.errors_system = 5;
  s.errors_kmsg = 6;
  s.smaps_reads_total = 7;
  s.smaps_read_seconds_total = 0.125;
  s.scan_phase_seconds_total = {1.5, 0.25, 0.625, 0.125};  // sample, smaps, analysis, publish
  s.daemon_cpu_seconds_total = 3.75;
  s.smaps_skipped_budget = 3;
  s.smaps_skipped_max_rss = 1;
  s.smaps_skipped_interval = 11;
  s.smaps_skipped_denied = 0;
  s.store_bytes = 123456;
  s.store_series = 17;
  s.store_evictions_exited = 5;
  s.store_evictions_idle = 2;
  s.store_evictions_refused = 1;
  s.store_evictions = 8;
  s.cgroups_skipped = 8;
  s.config_last_reload_successful = false;
  s.state_save_failures = {{"no_space", 2}, {"read_only", 0}};
  s.state_restore_discarded = {{"corrupt", 1}, {"foreign_machine", 0}};
  s.internal_entries = {{"pid_cache", 40}, {"store_processes", 12}};
  return s;
}

inline analysis::Report exporter_report() {
  analysis::Report r;
  r.ready = true;
  r.generated_at = kNow;
  r.windows = {"15m", "1h", "6h"};
  r.processes = {tracked_leaky_process(), tracked_sparse_process(), untracked_suspect_process(),
                 exited_tracked_process()};
  r.groups = {{.name = "web&co",
               .processes = 3,
               .resident_bytes = 900 * kMiB,
               .pss_bytes = 720 * kMiB,
               .pss_readings = 1,
               .swap_bytes = 10 * kMiB,
               .open_fds = 40,
               .leak_suspects = 1,
               .crash_loop = false,
               .deaths = {}},
              {.name = "sparse",
               .processes = 1,
               .resident_bytes = 3 * kMiB,
               .pss_bytes = std::nullopt,
               .pss_readings = 0,
               .swap_bytes = 0,
               .open_fds = 0,
               .leak_suspects = 0,
               .crash_loop = false,
               .deaths = {}}};
  r.cgroups = {full_cgroup(), sparse_cgroup()};
  r.system = system_report();
  r.oom_kills_by_group = {{"batch", 2}, {"we\"ird", 1}};
  r.oom_kills_flagged_total = 1;
  r.self = self_report();
  return r;
}

}  // namespace lw::testing
