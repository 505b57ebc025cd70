#pragma once

// Fake /proc trees for the ProcessSampler tests: stat and status lines as Linux 6.x prints them,
// a live user process, and a sampler opened on the tree.

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <catch2/catch.hpp>

#include "scan/process_sampler.h"
#include "support/fake_root.h"

namespace lw::scan::process_fixture {

inline const model::SteadyTime kNow{std::chrono::seconds(1000)};
inline constexpr std::uint64_t kUserFlags = 0x400100;  // PF_RANDOMIZE | PF_FORKNOEXEC

struct StatFields {
  int pid = 0;
  std::string comm;
  char state = 'S';
  std::uint64_t start_ticks = 0;
  std::uint64_t flags = kUserFlags;
  int threads = 1;
};

// A full 52-field /proc/<pid>/stat line as Linux 6.x prints it.
inline std::string stat_line(const StatFields& f) {
  return std::to_string(f.pid) + " (" + f.comm + ") " + f.state + " 1 " + std::to_string(f.pid) +
         " " + std::to_string(f.pid) + " 0 -1 " + std::to_string(f.flags) +
         " 130 0 0 0 7 3 0 0 20 0 " + std::to_string(f.threads) + " 0 " +
         std::to_string(f.start_ticks) +
         " 2990080 406 18446744073709551615 1 1 0 0 0 0 0 6 0 1 0 0 17 1 0 0 0 0 0 1 1 1 1 1 1 1 "
         "0\n";
}

inline std::string status_text(std::string_view name, std::uint64_t rss_kib) {
  const std::string kib = std::to_string(rss_kib);
  return "Name:\t" + std::string(name) +
         "\nUmask:\t0022\nState:\tS (sleeping)\nUid:\t1000\t1000\t1000\t1000\n"
         "VmSize:\t   10000 kB\nVmRSS:\t    " +
         kib + " kB\nRssAnon:\t    " + kib +
         " kB\nRssFile:\t       0 kB\nRssShmem:\t       0 kB\nVmSwap:\t       0 kB\n"
         "Threads:\t1\n";
}

// The files every root needs: <root>/stat (btime, read at open()) and the reader's own
// self/fd, which a copied tree has as an ordinary directory.
inline testing::FakeRoot& base_root(testing::FakeRoot& root) {
  return root.file("proc/stat", "cpu  1 2 3 4\nbtime 1700000000\nprocesses 42\n")
      .file("proc/self/fd/0", "")
      .file("proc/self/fd/1", "");
}

// A live user process with `fds` entries in its fd directory.
inline void process(testing::FakeRoot& root, const StatFields& f, std::uint64_t rss_kib = 2048,
                    int fds = 3) {
  const std::string dir = "proc/" + std::to_string(f.pid) + "/";
  root.file(dir + "stat", stat_line(f)).file(dir + "status", status_text("x", rss_kib));
  root.file(dir + "cgroup", "0::/system.slice/app.service\n");
  root.dir(dir + "fd");
  for (int fd = 0; fd < fds; ++fd) {
    root.file(dir + "fd/" + std::to_string(fd), "");
  }
}

struct Sampled {
  std::vector<model::ProcessSample> processes;
  model::ScanStats stats;
};

inline Sampled sample_once(ProcessSampler& sampler, model::SteadyTime now = kNow) {
  Sampled out;
  sampler.sample(now, out.processes, out.stats);
  return out;
}

inline ProcessSampler open_sampler(const testing::FakeRoot& root,
                                   std::uint32_t identity_refresh = 30,
                                   bool read_identity = false) {
  ProcessSampler sampler(ProcessSamplerOptions{.proc_root = (root / "proc").string(),
                                               .read_identity = read_identity,
                                               .identity_refresh_scans = identity_refresh});
  const Status opened = sampler.open();
  REQUIRE(opened.has_value());
  return sampler;
}

}  // namespace lw::scan::process_fixture
