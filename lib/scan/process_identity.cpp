// ProcessSampler's slow-changing facts: boot time (read again when the wall clock steps) and a
// process's identity (cgroup, exe, cmdline; read again on an exec and every N scans).
#include "scan/process_sampler.h"
// (the rest of ProcessSampler is in process_sampler.cpp)

#include <array>
#include <cmath>
#include <ctime>
#include <string_view>

#include <unistd.h>

#include "cgroup/namespace.h"
#include "cgroup/naming.h"
#include "procfs/pid_cgroup.h"
#include "procfs/proc_stat.h"

namespace lw::scan {

namespace {

double real_wall_minus_boot() {
  timespec wall{};
  timespec boot{};
  ::clock_gettime(CLOCK_REALTIME, &wall);
  ::clock_gettime(CLOCK_BOOTTIME, &boot);
  return static_cast<double>(wall.tv_sec - boot.tv_sec) +
         static_cast<double>(wall.tv_nsec - boot.tv_nsec) * 1e-9;
}

}  // namespace

Status ProcessSampler::read_boot_time() {
  if (!options_.wall_minus_boot) {
    options_.wall_minus_boot = real_wall_minus_boot;
  }
  const double offset = options_.wall_minus_boot();
  const auto boot = read_parsed(root_.get(), "stat", buf_, procfs::parse_boot_time_seconds);
  if (!boot) {
    return Error{boot.error().kind, options_.proc_root + "/stat: " + boot.error().detail};
  }
  boot_time_ = *boot;
  boot_offset_ = offset;
  return Ok{};
}

void ProcessSampler::refresh_boot_time(model::ScanStats& stats) {
  constexpr double kStepSeconds = 1.0;  // btime has whole seconds; NTP slews far less than this
  if (std::abs(options_.wall_minus_boot() - boot_offset_) <= kStepSeconds) {
    return;
  }
  if (read_boot_time()) {
    ++stats.boot_time_rereads;
  } else {
    ++stats.system_errors;  // the old boot time stays; tried again next scan
  }
}

bool ProcessSampler::identity_due(int pid, bool inserted, std::string_view comm,
                                  const Cached& cached) const {
  if (inserted || comm != cached.comm) {
    return true;
  }
  const std::uint64_t n = options_.identity_refresh_scans;
  return n > 0 && (scan_seq_ + static_cast<std::uint64_t>(pid)) % n == 0;
}

void ProcessSampler::read_identity(int dir, std::string_view comm, bool first, Cached& cached) {
  std::string cgroup_path;
  const auto cg = read_parsed(dir, "cgroup", buf_, procfs::parse_pid_cgroup);
  if (cg) {
    // The memory controller's path: the v1 "memory" line on v1/hybrid hosts, else the unified
    // line. No layout knowledge is needed: on pure v2 there is no v1 memory line.
    // In a private cgroup namespace the path is relative to its root ("/../x.service").
    const auto& raw = cg->v1_memory_path ? cg->v1_memory_path : cg->unified_path;
    if (raw) {
      cgroup_path = cgroup::resolve_ns_path(*raw, options_.cgroup_ns_root).value_or("");
    }
  } else if (!first) {
    cgroup_path = cached.cgroup;  // a failed re-read (the process exiting) keeps what we knew
  }
  Identity ident;
  if (options_.read_identity) {
    std::array<char, 4096> target{};
    const ssize_t n = ::readlinkat(dir, "exe", target.data(), target.size());
    if (n > 0) {
      ident.exe.assign(target.data(), static_cast<std::size_t>(n));
    }
    const auto cmdline = read_all_at(dir, "cmdline", buf_, std::size_t{64} * 1024);
    if (cmdline) {
      std::string cmd(*cmdline);
      while (!cmd.empty() && cmd.back() == '\0') {
        cmd.pop_back();
      }
      for (char& c : cmd) {
        if (c == '\0') {
          c = ' ';
        }
      }
      ident.cmdline = std::move(cmd);
    }
  }
  const bool changed = comm != cached.comm || cgroup_path != cached.cgroup ||
                       ident.exe != cached.identity.exe || ident.cmdline != cached.identity.cmdline;
  if (changed && !first) {
    ++cached.identity_version;
  }
  cached.comm = std::string(comm);
  if (cgroup_path != cached.cgroup || first) {
    cached.unit = cgroup::systemd_unit(cgroup_path).value_or("");
    cached.cgroup = std::move(cgroup_path);
  }
  cached.identity = std::move(ident);
}

}  // namespace lw::scan
