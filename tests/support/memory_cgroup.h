#pragma once

// A memory cgroup made for one test (v1 /sys/fs/cgroup/memory, else v2 with the memory
// controller), removed in the destructor once its processes are gone. Needs root.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace lw::testing {

class TestCgroup {
 public:
  explicit TestCgroup(const std::string& name);
  TestCgroup(const TestCgroup&) = delete;
  TestCgroup& operator=(const TestCgroup&) = delete;
  ~TestCgroup();

  // False when no writable memory controller was found: the caller skips.
  bool ok() const { return !path_.empty(); }
  bool v1() const { return v1_; }
  // The path inside the hierarchy ("/name"), as the daemon labels it.
  const std::string& rel() const { return rel_; }
  const std::string& path() const { return path_; }
  // A hard limit with no swap beyond it, so reaching it means the OOM killer, not swapping.
  void set_limit(std::uint64_t bytes) const;
  // memory.usage_in_bytes (v1) or memory.current (v2).
  std::optional<std::uint64_t> usage_bytes() const;
  // The oom_kill count of memory.oom_control (v1, kernel 4.13+) or memory.events (v2).
  std::optional<std::uint64_t> oom_kills() const;
  // Moves a running process into this cgroup (writes its pid to cgroup.procs); false on failure.
  bool add_process(int pid) const;
  // A shell that joins the cgroup, then execs argv.
  std::vector<std::string> wrap(const std::vector<std::string>& argv) const;

 private:
  std::string path_;
  std::string rel_;
  bool v1_ = true;
};

}  // namespace lw::testing
