// Unwinding and symbolizing real stopped processes (no BPF): tests/sites/stopped_target.h takes
// the sample the capture would take at the allocator's entry.

#include <csignal>

#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "sites/unwinder.h"
#include "stopped_target.h"
#include "support/skip.h"

using lw::sites::Frame;
using lw::sites::Unwinder;
using lw::sites::UnwindOptions;
using lw::testing::Child;
using lw::testing::describe;
using namespace std::chrono_literals;

namespace {

// The index of the first frame at or after `from` whose function contains `name`; -1 if none.
long find_frame(const std::vector<Frame>& frames, const std::string& name, std::size_t from = 0) {
  for (std::size_t i = from; i < frames.size(); ++i) {
    if (frames[i].function.find(name) != std::string::npos) {
      return static_cast<long>(i);
    }
  }
  return -1;
}

bool ends_with(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

UnwindOptions stack_copy_only() {
  UnwindOptions o;
  o.read_target_memory = false;  // the copy alone must carry the unwind, as in the capture
  return o;
}

// A workload stopped in `stop_in`, its sample taken.
struct Stopped {
  Child child;
  lw::sites::StackSample sample;
};

Stopped stop_workload(const std::vector<std::string>& argv) {
  Stopped s{Child::spawn(argv), {}};
  const auto tid = lw::testing::stopping_tid(s.child, 20s);
  REQUIRE(tid.has_value());
  const std::string err = lw::testing::take_sample(s.child.pid(), *tid, s.sample);
  REQUIRE(err.empty());
  return s;
}

// Checks the leak path: checkpoint, remember_session inlined at its call line, leak_sessions.
void check_leak_path(const std::vector<Frame>& frames, const std::string& module) {
  INFO(describe(frames));
  const std::string src = LW_SITE_WORKLOAD_SOURCE;
  const long cp = find_frame(frames, "checkpoint");
  REQUIRE(cp >= 0);
  const auto i = static_cast<std::size_t>(cp);
  REQUIRE(i + 2 < frames.size());
  CHECK(ends_with(frames[i].file, "site_workload.cpp"));
  CHECK(frames[i].line == lw::testing::marker_line(src, "SITE:raise"));
  CHECK(frames[i + 1].function.find("remember_session") != std::string::npos);
  CHECK(frames[i + 1].inlined);
  CHECK(frames[i + 1].line == lw::testing::marker_line(src, "SITE:remember_call"));
  CHECK(frames[i + 2].function.find("leak_sessions") != std::string::npos);
  CHECK_FALSE(frames[i + 2].inlined);
  CHECK(frames[i + 2].line == lw::testing::marker_line(src, "SITE:leak_call"));
  CHECK(find_frame(frames, "leaker", i + 3) > 0);
  const std::string build_id = lw::testing::readelf_build_id(LW_SITE_WORKLOAD);
  REQUIRE_FALSE(build_id.empty());
  for (std::size_t k = i; k <= i + 2; ++k) {
    CHECK(frames[k].module == module);
    CHECK(frames[k].build_id == build_id);
  }
  // The allocator side: the innermost frames are libc's (raise), with libc's build-id.
  CHECK(frames.front().module.find("libc.so") != std::string::npos);
  CHECK_FALSE(frames.front().build_id.empty());
}

}  // namespace

TEST_CASE("sites: unwinds from a libc entry to the leaking function, inlined frame named") {
  auto s = stop_workload({LW_SITE_WORKLOAD, "--stop-in", "leak", "--touch-mib", "1"});
  Unwinder unwinder(s.child.pid(), stack_copy_only());
  REQUIRE(unwinder.attach());
  const auto frames = unwinder.unwind(s.sample);
  REQUIRE(frames.has_value());
  check_leak_path(*frames, LW_SITE_WORKLOAD);
  CHECK(unwinder.stats().truncated == 0);
  s.child.stop(SIGKILL, 5s);
}

TEST_CASE("sites: a sample of another pid is refused") {
  Unwinder unwinder(getpid());
  lw::sites::StackSample sample;
  sample.pid = getpid() + 1;
  const auto frames = unwinder.unwind(sample);
  REQUIRE_FALSE(frames.has_value());
  CHECK(frames.error().kind == lw::ErrorKind::kMalformed);
}

TEST_CASE("sites: a gone process is kGone at attach") {
  auto child = Child::spawn({"/bin/true"});
  const pid_t pid = child.pid();
  REQUIRE(lw::testing::wait_until([&] { return child.poll_exit().has_value(); }, 10s));
  Unwinder unwinder(pid);
  const auto st = unwinder.attach();
  REQUIRE_FALSE(st.has_value());
  CHECK(st.error().kind == lw::ErrorKind::kGone);
}

TEST_CASE("sites: a short stack copy gives the frames it holds, not an error") {
  auto s = stop_workload({LW_SITE_WORKLOAD, "--stop-in", "leak", "--touch-mib", "1"});
  Unwinder full(s.child.pid(), stack_copy_only());
  const auto all = full.unwind(s.sample);
  REQUIRE(all.has_value());
  s.sample.stack.resize(64);  // a capture that could read only 64 bytes
  Unwinder unwinder(s.child.pid(), stack_copy_only());
  const auto frames = unwinder.unwind(s.sample);
  REQUIRE(frames.has_value());
  INFO(describe(*frames));
  CHECK_FALSE(frames->empty());
  CHECK(frames->size() < all->size());
  CHECK(frames->front().module.find("libc.so") != std::string::npos);
  s.sample.stack.clear();  // nothing at all: still the frame at the registers' pc
  const auto bare = unwinder.unwind(s.sample);
  REQUIRE(bare.has_value());
  CHECK_FALSE(bare->empty());
  s.child.stop(SIGKILL, 5s);
}
