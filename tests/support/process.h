#pragma once

// Real child processes for integration tests: spawn with a pipe on stdout/stderr, read lines with
// a bounded timeout (poll), stop and reap. Plus wait_until(): poll a condition until it holds or
// a deadline passes — the only way tests wait.

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <sys/types.h>

namespace lw::testing {

class Child {
 public:
  // argv[0] is the program path. stdout and stderr are both captured (merged) when capture is on.
  static Child spawn(const std::vector<std::string>& argv, bool capture = true);
  Child() = default;
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;
  Child(Child&& other) noexcept;
  Child& operator=(Child&& other) noexcept;
  ~Child();

  pid_t pid() const { return pid_; }
  // The next output line (without '\n'), or nullopt at EOF or after `timeout`.
  std::optional<std::string> read_line(std::chrono::milliseconds timeout);
  // Reads lines until one contains `needle`; returns it (nullopt on timeout/EOF). All lines read
  // are kept in output().
  std::optional<std::string> wait_for_line(const std::string& needle,
                                           std::chrono::milliseconds timeout);
  const std::string& output() const { return output_; }
  // Drains whatever output is available now without waiting.
  void drain();
  // Sends `sig` and waits (bounded) for the exit; returns the wait status or nullopt on timeout
  // (then SIGKILL). Idempotent.
  std::optional<int> stop(int sig, std::chrono::milliseconds timeout);
  // Non-blocking: has it exited? Returns the wait status.
  std::optional<int> poll_exit();

 private:
  pid_t pid_ = -1;
  int out_fd_ = -1;
  std::string pending_;
  std::string output_;
  std::optional<int> status_;
};

// Polls `cond` every `step` until it is true (returns true) or `timeout` passes (false).
bool wait_until(const std::function<bool()>& cond, std::chrono::milliseconds timeout,
                std::chrono::milliseconds step = std::chrono::milliseconds(50));

// A free TCP port on 127.0.0.1 is NOT reserved by this; prefer listening on port 0 and reading the
// bound port from the daemon's log.

// Runs a shell command, returns (exit status, combined output).
std::pair<int, std::string> run_command(const std::string& cmd);

}  // namespace lw::testing
