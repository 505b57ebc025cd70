#pragma once

// The history snapshot tests' synthetic workload: scans of four processes and two cgroups.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "model/snapshot.h"
#include "store/series_snapshot.h"
#include "store/series_store.h"

namespace lw::analysis {

using store::ProcessSeries;
using store::restore_store;
using store::serialize_store;
using store::SeriesStore;
using store::SeriesStoreOptions;

inline constexpr std::int64_t kSteady0 = 7'000'000'000;    // ms: a boot some 81 days old
inline constexpr std::int64_t kWall0 = 1'700'000'000'000;  // ms since the epoch
inline constexpr std::int64_t kStep = 10'000;              // one scan every 10 s
inline constexpr std::uint64_t kKiB = 1024;
inline constexpr std::string_view kBoot = "1b2a9c1e-0000-4000-8000-000000000001";

inline const model::ProcessId kLeaky{100, 5000};
inline const model::ProcessId kSteady{200, 6000};
// Exits after scan 29: dead in the snapshot already.
inline const model::ProcessId kGone{300, 7000};
// Alive at the snapshot; "exits" during the restart.
inline const model::ProcessId kLater{400, 8000};

inline SeriesStoreOptions test_options() {
  using namespace std::chrono_literals;
  SeriesStoreOptions o;
  o.interval = 10s;
  o.retention = 1h;
  o.dead_grace = 15min;
  o.chunk_samples = 16;  // several closed chunks per series
  return o;
}

inline model::ProcessSample proc(const model::ProcessId& id, const std::string& comm,
                                 std::uint64_t anon_kib, std::uint64_t fds) {
  model::ProcessSample p;
  p.id = id;
  p.ppid = 1;
  p.state = 'S';
  p.comm = comm;
  p.uid = 1000;
  p.cpu_ticks = 50 + anon_kib;
  p.start_time_seconds = static_cast<double>(kWall0) / 1000.0 - 3600.5;
  p.rss_bytes = (anon_kib + 2048) * kKiB;
  p.anon_bytes = anon_kib * kKiB;
  p.file_bytes = 2048 * kKiB;
  p.shmem_bytes = 0;
  p.swap_bytes = 8 * kKiB;
  p.vsize_bytes = 1 << 30;
  p.open_fds = fds;
  p.max_fds = 1024;
  p.cgroup = "/system.slice/" + comm + ".service";
  p.unit = comm + ".service";
  return p;
}

inline model::CgroupSample cgroup(const std::string& path, std::uint64_t inode,
                                  std::uint64_t usage_kib) {
  model::CgroupSample c;
  c.path = path;
  c.unit = path == "/" ? "" : "app.service";
  c.inode = inode;
  c.usage_bytes = usage_kib * kKiB;
  c.anon_bytes = usage_kib * kKiB / 2;
  c.inactive_file_bytes = 100 * kKiB;
  c.limit_bytes = 1 << 30;
  c.oom_kill_events = 0;
  c.pressure =
      procfs::Pressure{.some = procfs::PressureLine{0.5, 0.25, 0.125, 12345}, .full = std::nullopt};
  c.processes = 3;
  return c;
}

inline model::Snapshot scan_at(std::int64_t steady_ms, std::int64_t wall_ms) {
  model::Snapshot s;
  s.taken_at = model::SteadyTime(std::chrono::milliseconds(steady_ms));
  s.wall_time = model::WallTime(std::chrono::milliseconds(wall_ms));
  procfs::Meminfo m;
  m.mem_total_bytes = 16ULL << 30;
  m.mem_available_bytes = (8ULL << 30) - static_cast<std::uint64_t>(steady_ms % 997) * kKiB;
  m.swap_total_bytes = 1ULL << 30;
  m.swap_free_bytes = 1ULL << 29;
  s.system.meminfo = m;
  return s;
}

// Scan i of the synthetic workload (steady and wall clocks advance together).
inline model::Snapshot workload_scan(int i, bool with_later = true, bool with_gone = false) {
  model::Snapshot s = scan_at(kSteady0 + i * kStep, kWall0 + i * kStep);
  const auto n = static_cast<std::uint64_t>(i);
  model::ProcessSample leaky = proc(kLeaky, "leaky", 10000 + 64 * n, 10 + n / 4);
  if (i % 10 == 0) {
    procfs::SmapsRollup smaps;
    smaps.rss_bytes = leaky.rss_bytes;
    smaps.pss_bytes = (9000 + 64 * n) * kKiB;
    smaps.private_clean_bytes = 4 * kKiB;
    smaps.private_dirty_bytes = (8000 + 64 * n) * kKiB;
    smaps.anon_huge_pages_bytes = 0;
    leaky.smaps = smaps;
  }
  s.processes.push_back(leaky);
  s.processes.push_back(proc(kSteady, "steady", 5000 + (n % 3) * 4, 12));
  if (i < 30 || with_gone) {
    s.processes.push_back(proc(kGone, "gone\nname", 3000, 5));
  }
  if (with_later) {
    s.processes.push_back(proc(kLater, "later", 7000 + 8 * n, 7));
  }
  s.cgroups.push_back(cgroup("/", 1, 900000 + n));
  s.cgroups.push_back(cgroup("/system.slice/app.service", 42, 40000 + 32 * n));
  return s;
}

// A history of `scans` scans of the workload, with verdict state as the analysis would set it.
inline SeriesStore build_history(int scans, SeriesStoreOptions options = test_options()) {
  SeriesStore h(options);
  for (int i = 0; i < scans; ++i) {
    h.append(workload_scan(i), {});
  }
  return h;
}

// The newest scan's (steady, wall) of a history.
inline store::TimeIndex::Entry newest(const SeriesStore& h) {
  return *h.times().at(h.times().newest_seq());
}

inline bool all_running(const model::ProcessId&) {
  return true;
}

}  // namespace lw::analysis
