#include "support/process.h"

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <stdexcept>
#include <utility>

#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

namespace lw::testing {

Child Child::spawn(const std::vector<std::string>& argv, bool capture) {
  int fds[2] = {-1, -1};
  if (capture && ::pipe2(fds, O_CLOEXEC) != 0) {
    throw std::runtime_error("pipe2 failed");
  }
  std::vector<char*> args;
  args.reserve(argv.size() + 1);
  for (const auto& a : argv) {
    args.push_back(const_cast<char*>(a.c_str()));  // NOLINT(cppcoreguidelines-pro-type-const-cast)
  }
  args.push_back(nullptr);
  const pid_t pid = ::fork();
  if (pid < 0) {
    throw std::runtime_error("fork failed");
  }
  if (pid == 0) {
    if (capture) {
      ::dup2(fds[1], 1);
      ::dup2(fds[1], 2);
    }
    ::setpgid(0, 0);
    ::execv(args[0], args.data());
    std::perror("execv");
    ::_exit(127);
  }
  Child c;
  c.pid_ = pid;
  if (capture) {
    ::close(fds[1]);
    c.out_fd_ = fds[0];
  }
  return c;
}

Child::Child(Child&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)),
      out_fd_(std::exchange(other.out_fd_, -1)),
      pending_(std::move(other.pending_)),
      output_(std::move(other.output_)),
      status_(other.status_) {}

Child& Child::operator=(Child&& other) noexcept {
  if (this != &other) {
    stop(SIGKILL, std::chrono::milliseconds(2000));
    pid_ = std::exchange(other.pid_, -1);
    out_fd_ = std::exchange(other.out_fd_, -1);
    pending_ = std::move(other.pending_);
    output_ = std::move(other.output_);
    status_ = other.status_;
  }
  return *this;
}

Child::~Child() {
  stop(SIGKILL, std::chrono::milliseconds(2000));
  if (out_fd_ >= 0) {
    ::close(out_fd_);
  }
}

std::optional<std::string> Child::read_line(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    const auto nl = pending_.find('\n');
    if (nl != std::string::npos) {
      std::string line = pending_.substr(0, nl);
      pending_.erase(0, nl + 1);
      output_ += line + "\n";
      return line;
    }
    if (out_fd_ < 0) {
      return std::nullopt;
    }
    const auto left = std::max<std::chrono::milliseconds::rep>(
        0, std::chrono::duration_cast<std::chrono::milliseconds>(deadline -
                                                                 std::chrono::steady_clock::now())
               .count());
    pollfd p{out_fd_, POLLIN, 0};
    const int r = ::poll(&p, 1, static_cast<int>(left));
    if (r < 0 && errno == EINTR) {
      continue;
    }
    if (r <= 0) {
      return std::nullopt;
    }
    char buf[4096];
    const ssize_t n = ::read(out_fd_, buf, sizeof(buf));
    if (n <= 0) {
      ::close(out_fd_);
      out_fd_ = -1;
      if (!pending_.empty()) {
        std::string line = std::move(pending_);
        pending_.clear();
        output_ += line + "\n";
        return line;
      }
      return std::nullopt;
    }
    pending_.append(buf, static_cast<std::size_t>(n));
  }
}

std::optional<std::string> Child::wait_for_line(const std::string& needle,
                                                std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      return std::nullopt;
    }
    auto line = read_line(left);
    if (!line) {
      return std::nullopt;
    }
    if (line->find(needle) != std::string::npos) {
      return line;
    }
  }
}

void Child::drain() {
  while (read_line(std::chrono::milliseconds(0))) {
  }
}

std::optional<int> Child::poll_exit() {
  if (status_ || pid_ < 0) {
    return status_;
  }
  int st = 0;
  if (::waitpid(pid_, &st, WNOHANG) == pid_) {
    status_ = st;
  }
  return status_;
}

std::optional<int> Child::stop(int sig, std::chrono::milliseconds timeout) {
  if (pid_ < 0) {
    return status_;
  }
  if (poll_exit()) {
    return status_;
  }
  ::kill(pid_, sig);
  const bool exited =
      wait_until([&] { return poll_exit().has_value(); }, timeout, std::chrono::milliseconds(10));
  if (!exited) {
    ::kill(pid_, SIGKILL);
    int st = 0;
    ::waitpid(pid_, &st, 0);
    status_ = st;
    return std::nullopt;
  }
  return status_;
}

bool wait_until(const std::function<bool()>& cond, std::chrono::milliseconds timeout,
                std::chrono::milliseconds step) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (cond()) {
      return true;
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      return false;
    }
    ::poll(nullptr, 0, static_cast<int>(step.count()));  // back-off between checks
  }
}

std::pair<int, std::string> run_command(const std::string& cmd) {
  std::string out;
  FILE* p = ::popen((cmd + " 2>&1").c_str(), "r");
  if (p == nullptr) {
    return {-1, "popen failed"};
  }
  char buf[4096];
  std::size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof(buf), p)) > 0) {
    out.append(buf, n);
  }
  const int st = ::pclose(p);
  return {WIFEXITED(st) ? WEXITSTATUS(st) : -1, out};
}

}  // namespace lw::testing
