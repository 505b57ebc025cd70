#pragma once

// Visible skips for Catch2 v2, which has no "skipped" result of its own.
//
// A case that cannot run in this environment (no root, no memory cgroup controller, a
// host-mutating case not enabled, ...) ends with LW_SKIP(reason): it prints "SKIPPED: reason"
// and returns. When nothing failed but something was skipped, main() (tests/main.cpp) exits
// with the code named by the environment variable LW_SKIP_RETURN_CODE. tests/CMakeLists.txt
// sets that variable and the same SKIP_RETURN_CODE on every discovered case, so ctest lists
// such a case as skipped instead of passed. Run by hand, the executable exits 0 as usual and
// prints the skipped cases at the end.

#include <sstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

namespace lw::testing {

// "case name: reason" of every case skipped in this process, in order.
inline std::vector<std::string>& skipped_cases() {
  static std::vector<std::string> cases;
  return cases;
}

inline void note_skipped(const std::string& reason) {
  skipped_cases().push_back(Catch::getResultCapture().getCurrentTestName() + ": " + reason);
}

// True when the environment variable LW_TEST_HOST_MUTATING is 1: cases tagged [host_mutating]
// change the host (they write into the kernel log, ...) and run only when asked to.
bool host_mutating_enabled();

}  // namespace lw::testing

// Streams like WARN: LW_SKIP("no cgroup " << path). Only in a TEST_CASE's body (it returns).
// NOLINTBEGIN(bugprone-macro-parentheses): the argument is a stream expression, as in WARN.
#define LW_SKIP(reason)                                 \
  do {                                                  \
    std::ostringstream lw_skip_reason_;                 \
    lw_skip_reason_ << reason;                          \
    WARN("SKIPPED: " << lw_skip_reason_.str());         \
    ::lw::testing::note_skipped(lw_skip_reason_.str()); \
    return;                                             \
  } while (false)
// NOLINTEND(bugprone-macro-parentheses)
