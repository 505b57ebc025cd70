// Symbols that survive the real world: a stripped binary, a library dlopen'ed after attach, a
// target in another mount namespace, a deleted binary. Real stopped processes, no BPF.

#include <chrono>
#include <csignal>
#include <cstdio>
#include <sstream>

#include <malloc.h>
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

const Frame* find_function(const std::vector<Frame>& frames, const std::string& name) {
  for (const auto& f : frames) {
    if (f.function.find(name) != std::string::npos) {
      return &f;
    }
  }
  return nullptr;
}

// malloc's bytes in use, small chunks and mmap'd ones.
std::size_t heap_bytes() {
  const auto mi = mallinfo2();
  return mi.uordblks + mi.hblkhd;
}

struct Range {
  std::uint64_t start = 0;
  std::uint64_t size = 0;
  bool contains(std::uint64_t a) const { return a >= start && a < start + size; }
};

// A function's ELF address range in the unstripped binary, from `nm -S -C` (not lib/sites).
Range nm_range(const std::string& binary, const std::string& function) {
  const auto [status, out] = lw::testing::run_command("nm -S -C --defined-only '" + binary + "'");
  std::istringstream lines(out);
  std::string line;
  while (status == 0 && std::getline(lines, line)) {
    if (line.find(function + "(") != std::string::npos) {
      std::istringstream fields(line);
      std::string addr;
      std::string size;
      fields >> addr >> size;
      return {std::stoull(addr, nullptr, 16), std::stoull(size, nullptr, 16)};
    }
  }
  return {};
}

struct Stopped {
  Child child;
  lw::sites::StackSample sample;
  pid_t pid = -1;  // the workload's own pid ("ready <pid>"): not the child's behind a wrapper
};

void wait_ready(Stopped& s) {
  const auto line = s.child.wait_for_line("ready ", 20s);
  INFO(s.child.output());
  REQUIRE(line.has_value());
  s.pid = static_cast<pid_t>(std::stol(line->substr(line->find("ready ") + 6)));
}

void take(Stopped& s) {
  if (s.pid < 0) {
    wait_ready(s);
  }
  const auto tid = lw::testing::stopping_tid(s.child, 20s);
  INFO(s.child.output());
  REQUIRE(tid.has_value());
  const std::string err = lw::testing::take_sample(s.pid, *tid, s.sample);
  REQUIRE(err.empty());
}

UnwindOptions copy_only(bool map_files = true) {
  UnwindOptions o;
  o.read_target_memory = false;
  o.use_map_files = map_files;
  return o;
}

void check_named_leak_path(const std::vector<Frame>& frames, const std::string& module) {
  INFO(describe(frames));
  const std::string src = LW_SITE_WORKLOAD_SOURCE;
  const Frame* remember = find_function(frames, "remember_session");
  const Frame* leak = find_function(frames, "leak_sessions");
  REQUIRE(remember != nullptr);
  REQUIRE(leak != nullptr);
  CHECK(remember->inlined);
  CHECK(remember->line == lw::testing::marker_line(src, "SITE:remember_call"));
  CHECK(leak->line == lw::testing::marker_line(src, "SITE:leak_call"));
  CHECK(leak->module == module);
  CHECK(leak->build_id == lw::testing::readelf_build_id(LW_SITE_WORKLOAD));
}

// A scratch directory under /tmp, removed (rmdir: it must be empty by then) at scope exit.
struct ScratchDir {
  std::string path;
  ScratchDir() {
    std::string tmpl = "/tmp/lw-sites-XXXXXX";
    REQUIRE(mkdtemp(tmpl.data()) != nullptr);
    path = tmpl;
  }
  ~ScratchDir() { rmdir(path.c_str()); }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  ScratchDir(ScratchDir&&) = delete;
  ScratchDir& operator=(ScratchDir&&) = delete;
};

}  // namespace

TEST_CASE("sites: a stripped binary gives module+offset frames with its build-id") {
  const std::string stripped = LW_SITE_WORKLOAD_STRIPPED;
  Stopped s{Child::spawn({stripped, "--stop-in", "leak", "--touch-mib", "1"}), {}};
  take(s);
  Unwinder unwinder(s.pid, copy_only());
  const auto frames = unwinder.unwind(s.sample);
  REQUIRE(frames.has_value());
  INFO(describe(*frames));
  const std::string build_id = lw::testing::readelf_build_id(stripped);
  REQUIRE_FALSE(build_id.empty());
  const Range checkpoint = nm_range(LW_SITE_WORKLOAD, "checkpoint");
  const Range leak = nm_range(LW_SITE_WORKLOAD, "leak_sessions");
  const Range leaker = nm_range(LW_SITE_WORKLOAD, "leaker");
  REQUIRE(leak.size > 0);
  // checkpoint, leak_sessions, leaker: in that order, each by offset only.
  std::vector<const Range*> expected{&checkpoint, &leak, &leaker};
  std::size_t next = 0;
  for (const Frame& f : *frames) {
    if (f.module != stripped) {
      continue;
    }
    CHECK(f.function.empty());
    CHECK(f.build_id == build_id);
    CHECK(lw::sites::frame_label(f).find(stripped + "+0x") == 0);
    if (next < expected.size() && expected[next]->contains(f.offset)) {
      ++next;
    }
  }
  CHECK(next == expected.size());
  s.child.stop(SIGKILL, 5s);
}

TEST_CASE("sites: a library dlopen'ed after attach is named after the map refresh") {
  Stopped s{Child::spawn({LW_SITE_WORKLOAD, "--stop-in", "plugin", "--touch-mib", "1"}), {}};
  wait_ready(s);
  Unwinder unwinder(s.pid, copy_only());
  REQUIRE(unwinder.attach());
  const auto refreshes_before = unwinder.stats().map_refreshes;
  ::kill(s.pid, SIGUSR1);  // the workload dlopens its plugin now
  take(s);
  const auto frames = unwinder.unwind(s.sample);
  REQUIRE(frames.has_value());
  INFO(describe(*frames));
  CHECK(unwinder.stats().map_refreshes > refreshes_before);
  const std::string src = LW_SITE_PLUGIN_SOURCE;
  const Frame* remember = find_function(*frames, "plugin_remember");
  const Frame* leak = find_function(*frames, "site_plugin_leak");
  REQUIRE(remember != nullptr);
  REQUIRE(leak != nullptr);
  CHECK(remember->inlined);
  CHECK(remember->line == lw::testing::marker_line(src, "SITE:plugin_remember_call"));
  CHECK(leak->line == lw::testing::marker_line(src, "SITE:plugin_leak_call"));
  CHECK(leak->module == LW_SITE_PLUGIN);
  CHECK(leak->build_id == lw::testing::readelf_build_id(LW_SITE_PLUGIN));
  CHECK(find_function(*frames, "plugin_thread") != nullptr);  // back in the executable
  s.child.stop(SIGKILL, 5s);
}

TEST_CASE("sites: a target in another mount namespace is symbolized through /proc/PID/root") {
  if (geteuid() != 0) {
    LW_SKIP("needs root for unshare -m and mount");
  }
  ScratchDir dir;
  const std::string inside = dir.path + "/lw_site_workload";
  // Only the target's namespace has the tmpfs: on the host `inside` does not exist.
  const std::string script = "mount -t tmpfs lw-sites " + dir.path + " && cp '" + LW_SITE_WORKLOAD +
                             "' " + inside + " && exec " + inside + " --stop-in leak --touch-mib 1";
  Stopped s{
      Child::spawn({"/usr/bin/unshare", "-m", "--propagation", "private", "/bin/sh", "-c", script}),
      {}};
  take(s);
  struct stat st {};
  REQUIRE(stat(inside.c_str(), &st) != 0);  // not on the host
  Unwinder unwinder(s.pid, copy_only(/*map_files=*/false));
  const auto frames = unwinder.unwind(s.sample);
  REQUIRE(frames.has_value());
  check_named_leak_path(*frames, inside);
  s.child.stop(SIGKILL, 5s);
}

TEST_CASE("sites: a deleted binary is symbolized through /proc/PID/map_files") {
  if (geteuid() != 0) {
    LW_SKIP("map_files needs CAP_SYS_ADMIN");
  }
  ScratchDir dir;
  const std::string copy = dir.path + "/lw_site_workload";
  REQUIRE(lw::testing::run_command("cp '" + std::string(LW_SITE_WORKLOAD) + "' " + copy).first ==
          0);
  Stopped s{Child::spawn({copy, "--stop-in", "leak", "--touch-mib", "1"}), {}};
  take(s);
  REQUIRE(unlink(copy.c_str()) == 0);
  {
    Unwinder unwinder(s.pid, copy_only());
    const auto frames = unwinder.unwind(s.sample);
    REQUIRE(frames.has_value());
    check_named_leak_path(*frames, copy);
  }
  {
    // Without map_files nothing opens the deleted file: its frames are module+offset only.
    Unwinder unwinder(s.pid, copy_only(/*map_files=*/false));
    const auto frames = unwinder.unwind(s.sample);
    REQUIRE(frames.has_value());
    INFO(describe(*frames));
    CHECK(find_function(*frames, "leak_sessions") == nullptr);
  }
  s.child.stop(SIGKILL, 5s);
}

TEST_CASE("sites: unwind and symbolize cost per sample, cold and warm, and cache memory") {
  Stopped s{Child::spawn({LW_SITE_WORKLOAD, "--stop-in", "leak", "--touch-mib", "1"}), {}};
  take(s);
  using clock = std::chrono::steady_clock;
  const auto heap0 = heap_bytes();
  const auto t0 = clock::now();
  Unwinder unwinder(s.pid, copy_only());
  REQUIRE(unwinder.attach());  // reads the maps, opens and reports every module
  const auto t1 = clock::now();
  const auto heap1 = heap_bytes();
  const auto cold = unwinder.unwind(s.sample);  // CFI, DWARF and symbols loaded on first use
  const auto t2 = clock::now();
  REQUIRE(cold.has_value());
  const auto heap2 = heap_bytes();
  constexpr int kWarm = 2000;
  for (int i = 0; i < kWarm; ++i) {
    REQUIRE(unwinder.unwind(s.sample).has_value());
  }
  const auto t3 = clock::now();
  const auto us = [](auto d) { return std::chrono::duration<double, std::micro>(d).count(); };
  const double cold_us = us(t2 - t0);
  const double warm_us = us(t3 - t2) / kWarm;
  std::printf(
      "unwind+symbolize (%zu frames): attach %.0f us, first unwind %.0f us, warm %.1f us/sample; "
      "heap: attach +%zu B, first unwind +%zu B; cache_bytes() %zu\n",
      cold->size(), us(t1 - t0), us(t2 - t1), warm_us, static_cast<std::size_t>(heap1 - heap0),
      static_cast<std::size_t>(heap2 - heap1), unwinder.cache_bytes());
  CHECK(unwinder.stats().symbol_cache_hits >= static_cast<std::uint64_t>(kWarm));
  CHECK(warm_us < cold_us);
  CHECK(warm_us < 2000.0);  // generous: a shared 2-core machine
  s.child.stop(SIGKILL, 5s);
}

TEST_CASE("sites: separate debug files by build-id name libc's frames with file:line") {
  Stopped s{Child::spawn({LW_SITE_WORKLOAD, "--stop-in", "leak", "--touch-mib", "1"}), {}};
  take(s);
  Unwinder with(s.pid, copy_only());
  const auto frames = with.unwind(s.sample);
  REQUIRE(frames.has_value());
  INFO(describe(*frames));
  const Frame& libc = frames->front();
  REQUIRE(libc.module.find("libc.so") != std::string::npos);
  const std::string debug_file = "/usr/lib/debug/.build-id/" + libc.build_id.substr(0, 2) + "/" +
                                 libc.build_id.substr(2) + ".debug";
  if (::access(debug_file.c_str(), R_OK) != 0) {
    LW_SKIP("no separate debug file for libc here (Debian: libc6-dbg): " << debug_file);
  }
  CHECK_FALSE(libc.file.empty());  // only the debug file has libc's DWARF
  CHECK(libc.line > 0);
  // Pointed at a directory without it, libc is named from its own symbol table only.
  ScratchDir empty;
  UnwindOptions o = copy_only();
  o.debuginfo_path = empty.path;
  Unwinder without(s.pid, o);
  const auto heap0 = heap_bytes();
  const auto bare = without.unwind(s.sample);
  const auto heap1 = heap_bytes();
  REQUIRE(bare.has_value());
  INFO(describe(*bare));
  REQUIRE(bare->front().module == libc.module);
  CHECK(bare->front().file.empty());
  CHECK(bare->front().line == 0);
  CHECK(bare->front().build_id == libc.build_id);
  std::printf("without separate debug files: first unwind heap +%zu B, cache_bytes() %zu\n",
              heap1 - heap0, without.cache_bytes());
  s.child.stop(SIGKILL, 5s);
}
