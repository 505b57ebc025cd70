#pragma once

// A hand-built Report for the HTTP tests: one leaking process with a hostile name, one with a
// name that was invalid UTF-8 (sanitised as the report builder does), one untracked process with
// absent readings, one exited process, a cgroup, host memory and an OOM kill.

#include <string>
#include <vector>

#include "analysis/report.h"
#include "base/text.h"

namespace lw::testing {

inline constexpr const char* kHostileComm = "<script>alert(1)</script>\"&'";
inline constexpr double kGeneratedAt = 1'700'000'000.0;
inline constexpr std::uint64_t kMiB = 1024 * 1024;

inline std::vector<analysis::HistoryPoint> ramp(double start, double step, int n) {
  std::vector<analysis::HistoryPoint> out;
  for (int i = 0; i < n; ++i) {
    out.push_back({kGeneratedAt - 60.0 * (n - 1 - i), start + step * i});
  }
  return out;
}

// The comm of the second process: "bad\xff\xfe name" after sanitize_utf8.
inline std::string invalid_utf8_comm() {
  return text::sanitize_utf8("bad\xff\xfe name");
}

inline analysis::Report sample_report() {
  analysis::Report r;
  r.ready = true;
  r.generated_at = kGeneratedAt;
  r.windows = {"15m", "1h", "6h"};

  analysis::ProcessReport leaky;
  leaky.id = {4242, 987654};
  leaky.comm = kHostileComm;
  leaky.group = "web&co";
  leaky.cgroup = "/system.slice/leaky.service";
  leaky.unit = "leaky.service";
  leaky.ppid = 1;
  leaky.uid = 1000;
  leaky.start_time_seconds = kGeneratedAt - 5400;
  leaky.tracked = true;
  leaky.rss_bytes = 760 * kMiB;
  leaky.anon_bytes = 700 * kMiB;
  leaky.file_bytes = 60 * kMiB;
  leaky.shmem_bytes = 0;
  leaky.swap_bytes = 10 * kMiB;
  leaky.vsize_bytes = 2048 * kMiB;
  leaky.open_fds = 12;
  leaky.max_fds = 1024;
  leaky.rates = {{"15m", 1000.0, std::nullopt}, {"1h", 2048.5, 0.0}, {"6h", std::nullopt, 0.0}};
  leaky.memory.pattern = "leak";
  leaky.memory.score = 0.93;
  leaky.memory.suspect = true;
  leaky.memory.seconds_to_limit = 3600;
  leaky.memory.limit_kind = "cgroup";
  leaky.memory.suspect_since_seconds = kGeneratedAt - 600;
  leaky.fds.pattern = "flat";
  leaky.history = ramp(600.0 * kMiB, 1.0 * kMiB, 30);
  r.processes.push_back(leaky);

  analysis::ProcessReport weird;
  weird.id = {777, 1};
  weird.comm = invalid_utf8_comm();
  weird.group = weird.comm;
  weird.tracked = true;
  weird.anon_bytes = 1 * kMiB;
  weird.rss_bytes = 3 * kMiB;
  weird.memory.pattern = "flat";
  weird.history = ramp(1.0 * kMiB, 0, 5);
  r.processes.push_back(weird);

  analysis::ProcessReport quiet;  // untracked, no RssAnon line: absent, not 0
  quiet.id = {100, 50};
  quiet.comm = "sshd";
  quiet.group = "sshd";
  quiet.memory.pattern = "";
  r.processes.push_back(quiet);

  analysis::ProcessReport exited;
  exited.id = {555, 60};
  exited.comm = "gone";
  exited.alive = false;
  exited.anon_bytes = 5 * kMiB;
  r.processes.push_back(exited);

  analysis::CgroupReport cg;
  cg.path = "/system.slice/leaky.service";
  cg.unit = "leaky.service";
  cg.sample.path = cg.path;
  cg.sample.inode = 4711;
  cg.sample.usage_bytes = 800 * kMiB;
  cg.sample.inactive_file_bytes = 50 * kMiB;
  cg.sample.anon_bytes = 710 * kMiB;
  cg.sample.limit_bytes = 1024 * kMiB;
  cg.sample.processes = 1;
  cg.effective_limit_bytes = 1024 * kMiB;
  cg.rates = {{"1h", 2100.0, std::nullopt}};
  cg.memory.pattern = "leak";
  cg.memory.score = 0.9;
  cg.memory.suspect = true;
  cg.memory.seconds_to_limit = 3500;
  cg.memory.limit_kind = "cgroup";
  cg.history = ramp(700.0 * kMiB, 1.0 * kMiB, 20);
  r.cgroups.push_back(cg);

  r.system.mem_total_bytes = 16384 * kMiB;
  r.system.mem_available_bytes = 8192 * kMiB;
  r.system.swap_total_bytes = 2048 * kMiB;
  r.system.swap_free_bytes = 1024 * kMiB;
  r.system.seconds_to_memory_exhaustion = 7200;
  r.system.available_rates = {{"1h", -4096.0, std::nullopt}};
  r.system.available_history = ramp(8300.0 * kMiB, -1.0 * kMiB, 10);
  r.system.cgroup_layout = "v2";

  analysis::OomEvent oom;
  oom.time_seconds = kGeneratedAt - 120;
  oom.pid = 999;
  oom.comm = "oom<victim>";
  oom.cgroup = "/system.slice/batch.service";
  oom.unit = "batch.service";
  oom.group = "batch";
  oom.constraint = "CONSTRAINT_MEMCG";
  oom.source = "kmsg";
  oom.anon_rss_bytes = 1000 * kMiB;
  oom.peak_private_bytes = 1010 * kMiB;
  oom.growth_bytes_per_second = 5000;
  oom.pattern_before = "leak";
  oom.was_suspect = true;
  oom.flagged_seconds_before = 600;
  oom.lifetime_seconds = 5400;
  oom.history = ramp(900.0 * kMiB, 5.0 * kMiB, 12);
  r.oom_events.push_back(oom);
  r.oom_kills_flagged_total = 1;

  r.self.version = "0.1.0-test";
  r.self.scans_total = 42;
  r.self.last_scan_wall_seconds = kGeneratedAt;
  r.self.scan_interval_seconds = 10;
  r.self.smaps_reads_total = 7;
  r.self.smaps_skipped_budget = 3;
  r.self.store_bytes = 123456;
  r.self.store_series = 17;
  return r;
}

}  // namespace lw::testing
