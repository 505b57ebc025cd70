#pragma once

// Fake cgroup trees for the CgroupSampler tests: mountinfo lines, minimal v1 and v2 cgroups, a
// sampler discovered on the tree, and lookups into what one sample() returned.

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <catch2/catch.hpp>

#include "scan/cgroup_sampler.h"
#include "support/fake_root.h"

namespace lw::scan::cgroup_fixture {

inline std::vector<std::string> paths_of(const std::vector<model::CgroupSample>& samples) {
  std::vector<std::string> out;
  out.reserve(samples.size());
  for (const auto& s : samples) {
    out.push_back(s.path);
  }
  return out;
}

inline const model::CgroupSample& find(const std::vector<model::CgroupSample>& samples,
                                       std::string_view path) {
  for (const auto& s : samples) {
    if (s.path == path) {
      return s;
    }
  }
  FAIL("no sample for " << path);
  throw std::logic_error("unreachable");
}

struct Sampled {
  std::vector<model::CgroupSample> samples;
  model::ScanStats stats;
};

inline Sampled sample_tree(CgroupSampler& sampler, std::uint32_t max_depth = 8) {
  Sampled out;
  out.samples = sampler.sample(max_depth, out.stats);
  return out;
}

inline constexpr std::string_view kV2Mountinfo =
    "21 26 0:20 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw\n"
    "30 21 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:9 - cgroup2 cgroup2 "
    "rw,nsdelegate,memory_recursiveprot\n";
inline constexpr std::string_view kV1Mountinfo =
    "24 17 0:20 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:8 - tmpfs tmpfs ro,mode=755\n"
    "30 24 0:26 / /sys/fs/cgroup/memory rw,nosuid,nodev,noexec,relatime shared:13 - cgroup "
    "cgroup rw,memory\n";

// A minimal v2 cgroup with the memory controller enabled (all files the kernel always has).
inline void v2_cgroup(testing::FakeRoot& root, const std::string& dir, std::uint64_t usage,
                      std::uint64_t inactive_file) {
  root.file(dir + "/cgroup.controllers", "memory pids\n")
      .file(dir + "/cgroup.procs", "7\n")
      .file(dir + "/memory.current", std::to_string(usage) + "\n")
      .file(dir + "/memory.stat", "anon 4096\nfile 8192\ninactive_file " +
                                      std::to_string(inactive_file) + "\nactive_file 0\n")
      .file(dir + "/memory.max", "max\n")
      .file(dir + "/memory.high", "max\n")
      .file(dir + "/memory.events", "low 0\nhigh 0\nmax 0\noom 0\noom_kill 0\n");
}

inline void v2_root(testing::FakeRoot& root) {
  root.file("proc/self/mountinfo", kV2Mountinfo)
      .file("sys/fs/cgroup/cgroup.controllers", "cpu io memory pids\n")
      .file("sys/fs/cgroup/cgroup.procs", "1\n")
      .file("sys/fs/cgroup/memory.stat", "anon 4096\n");
}

inline void v1_cgroup(testing::FakeRoot& root, const std::string& dir, std::uint64_t usage) {
  root.file(dir + "/cgroup.procs", "7\n8\n9\n")
      .file(dir + "/memory.usage_in_bytes", std::to_string(usage) + "\n")
      .file(dir + "/memory.stat", "cache 0\nrss 0\ntotal_cache 8192\ntotal_rss 4096\n")
      .file(dir + "/memory.limit_in_bytes", "9223372036854771712\n")
      .file(dir + "/memory.oom_control", "oom_kill_disable 0\nunder_oom 0\n")
      .file(dir + "/memory.failcnt", "0\n");
}

// A sampler on root's proc/ and sys/ whose discover() succeeded (the error is shown if not).
inline CgroupSampler discovered(const testing::FakeRoot& root) {
  CgroupSampler sampler((root / "proc").string(), (root / "sys").string());
  const Status st = sampler.discover();
  INFO((st ? std::string("ok") : st.error().detail));
  REQUIRE(st.has_value());
  return sampler;
}

}  // namespace lw::scan::cgroup_fixture
