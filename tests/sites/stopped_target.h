#pragma once

// A real process stopped inside a known allocation path, and a StackSample taken from it the
// way the BPF capture takes one at the allocator's entry: the thread's registers (ptrace, in
// DWARF order) and a copy of its stack from rsp upward (process_vm_readv). No BPF: these tests
// run wherever ptrace does.

#include <chrono>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <sys/ptrace.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <sys/wait.h>

#include "sites/module_map.h"
#include "sites/stack_sample.h"
#include "sites/unwinder.h"
#include "support/process.h"

namespace lw::testing {

// The frames one per line, for a failing check's INFO.
inline std::string describe(const std::vector<lw::sites::Frame>& frames) {
  std::ostringstream out;
  for (const auto& f : frames) {
    out << "  " << lw::sites::frame_label(f) << "  {" << f.module << "}\n";
  }
  return out.str();
}

inline constexpr std::size_t kStackCopyBytes = 32 * 1024;

// The tid printed by the workload's "stopping tid N" line.
inline std::optional<pid_t> stopping_tid(Child& child, std::chrono::milliseconds timeout) {
  const auto line = child.wait_for_line("stopping tid ", timeout);
  if (!line) {
    return std::nullopt;
  }
  return static_cast<pid_t>(std::stol(line->substr(line->find("tid ") + 4)));
}

inline char task_state(pid_t pid, pid_t tid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/task/" + std::to_string(tid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto paren = text.rfind(')');
  return paren == std::string::npos || paren + 2 >= text.size() ? '?' : text[paren + 2];
}

// Waits (bounded) for the thread's group stop, seizes it, reads its registers and stack and
// detaches; the process stays stopped. Empty error string on success.
inline std::string take_sample(pid_t pid, pid_t tid, sites::StackSample& out) {
  if (!wait_until([&] { return task_state(pid, tid) == 'T'; }, std::chrono::seconds(10))) {
    return "thread never stopped";
  }
  if (ptrace(PTRACE_SEIZE, tid, nullptr, nullptr) != 0) {
    return "PTRACE_SEIZE failed";
  }
  ptrace(PTRACE_INTERRUPT, tid, nullptr, nullptr);
  int status = 0;
  if (waitpid(tid, &status, __WALL) != tid) {
    return "waitpid failed";
  }
  user_regs_struct r{};
  const long got = ptrace(PTRACE_GETREGS, tid, nullptr, &r);
  ptrace(PTRACE_DETACH, tid, nullptr, nullptr);
  if (got != 0) {
    return "PTRACE_GETREGS failed";
  }
  out.pid = pid;
  out.tid = tid;
  out.regs = {r.rax, r.rdx, r.rcx, r.rbx, r.rsi, r.rdi, r.rbp, r.rsp, r.r8,
              r.r9,  r.r10, r.r11, r.r12, r.r13, r.r14, r.r15, r.rip};
  // As the capture does: up to a cap, never past the end of the stack's mapping.
  auto maps = sites::read_maps(pid);
  if (!maps) {
    return "maps: " + maps.error().detail;
  }
  std::size_t len = 0;
  for (const auto& m : maps->mappings) {
    if (m.contains(r.rsp)) {
      len = std::min<std::size_t>(kStackCopyBytes, m.end - r.rsp);
    }
  }
  out.stack.resize(len);
  iovec local{out.stack.data(), len};
  iovec remote{reinterpret_cast<void*>(r.rsp), len};  // NOLINT(performance-no-int-to-ptr)
  const ssize_t n = process_vm_readv(pid, &local, 1, &remote, 1, 0);
  if (n <= 0) {
    return "process_vm_readv failed";
  }
  out.stack.resize(static_cast<std::size_t>(n));
  return {};
}

// The line of `marker` ("SITE:...") in `source`; 0 when absent.
inline int marker_line(const std::string& source, const std::string& marker) {
  std::ifstream in(source);
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    if (line.find("// " + marker) != std::string::npos) {
      return n;
    }
  }
  return 0;
}

// The GNU build-id of an ELF file as `readelf -n` prints it (independent of lib/sites).
inline std::string readelf_build_id(const std::string& path) {
  const auto [status, out] = run_command("readelf -n '" + path + "'");
  const auto at = out.find("Build ID: ");
  if (status != 0 || at == std::string::npos) {
    return {};
  }
  const auto start = at + 10;
  return out.substr(start, out.find_first_of(" \n", start) - start);
}

}  // namespace lw::testing
