// ProcessSampler on fake /proc trees: what one scan turns into samples (bytes, fds, identity),
// and what it skips or counts instead (exited pids, zombies, kernel threads, malformed stat).
#include "scan/process_sampler.h"

#include <cstdint>
#include <string>

#include <sys/stat.h>

#include <catch2/catch.hpp>

#include "scan/process_fixture.h"
#include "support/fake_root.h"

using namespace lw;
using namespace lw::model;
using namespace lw::scan;
using namespace lw::scan::process_fixture;

namespace {

constexpr std::uint64_t kKernelFlags = 0x00208040;  // PF_KTHREAD among them

}  // namespace

TEST_CASE("sampler: a live process becomes one sample in bytes", "[scan][sampler]") {
  testing::FakeRoot root;
  base_root(root);
  process(root, {.pid = 100, .comm = "web", .start_ticks = 5000}, 2048, 3);
  root.file("proc/meminfo", "MemTotal: 1 kB\n");  // non-numeric entries are not processes
  ProcessSampler sampler = open_sampler(root);

  const Sampled s = sample_once(sampler);

  REQUIRE(s.processes.size() == 1);
  const ProcessSample& p = s.processes[0];
  CHECK(p.id == ProcessId{100, 5000});
  CHECK(p.comm == "web");
  CHECK(p.uid == 1000u);
  CHECK(p.rss_bytes == 2048u * 1024);
  CHECK(p.anon_bytes == 2048u * 1024);
  CHECK(p.cpu_ticks == 10u);
  CHECK(p.start_time_seconds == Approx(1700000000.0 + 50.0));
  CHECK(p.cgroup == "/system.slice/app.service");
  CHECK(p.unit == "app.service");
  CHECK(s.stats.pids_listed == 1);
  CHECK(s.stats.pids_sampled == 1);
}

TEST_CASE("sampler: a copied /proc tree counts fd entries, not the directory's size",
          "[scan][sampler]") {
  // Before the fix, an fd directory on ext4 (st_size 4096) reported 4096 open fds.
  testing::FakeRoot root;
  base_root(root);
  process(root, {.pid = 100, .comm = "web", .start_ticks = 5000}, 2048, 3);
  process(root, {.pid = 101, .comm = "idle", .start_ticks = 5001}, 2048, 0);
  ProcessSampler sampler = open_sampler(root);
  CHECK(sampler.fd_count_method() == FdCountMethod::kReaddir);

  const Sampled s = sample_once(sampler);

  REQUIRE(s.processes.size() == 2);
  CHECK(s.processes[0].open_fds == 3u);
  CHECK(s.processes[1].open_fds == 0u);
}

TEST_CASE("sampler: on the real procfs st_size is used where the kernel fills it in",
          "[scan][sampler]") {
  struct stat st {};
  REQUIRE(::stat("/proc/self/fd", &st) == 0);
  ProcessSampler sampler(ProcessSamplerOptions{});
  REQUIRE(sampler.open().has_value());
  // Linux >= 6.2 reports the fd count as the size; older kernels say 0 and we count entries.
  CHECK(sampler.fd_count_method() ==
        (st.st_size > 0 ? FdCountMethod::kStatSize : FdCountMethod::kReaddir));
}

TEST_CASE("sampler: a process that exits between two files is counted as gone", "[scan][sampler]") {
  testing::FakeRoot root;
  base_root(root);
  process(root, {.pid = 100, .comm = "web", .start_ticks = 5000});
  root.file("proc/200/stat", stat_line({.pid = 200, .comm = "gone", .start_ticks = 6000}));
  root.dir("proc/300");  // listed, but already empty
  ProcessSampler sampler = open_sampler(root);

  const Sampled s = sample_once(sampler);

  REQUIRE(s.processes.size() == 1);
  CHECK(s.processes[0].id == ProcessId{100, 5000});
  CHECK(s.stats.pids_listed == 3);
  CHECK(s.stats.pids_sampled == 1);
  CHECK(s.stats.gone == 2);
  CHECK(s.stats.parse_errors == 0);
}

TEST_CASE("sampler: a thread group whose leader exited is sampled through a live thread",
          "[scan][sampler]") {
  // The leader called pthread_exit() while other threads still run. As checked on a 6.x kernel:
  // /proc/<pid>/stat says 'Z' with num_threads > 1 and rss 0, status has no Vm* lines, fd/ is
  // empty and smaps_rollup fails with ESRCH (the leader's mm and files are gone); the memory is
  // visible only under task/<tid>/ of a live thread. Before the fix such a process was skipped
  // and counted as a zombie, so a leak in it went unseen.
  testing::FakeRoot root;
  base_root(root);
  root.file("proc/400/stat",
            stat_line(
                {.pid = 400, .comm = "worker", .state = 'Z', .start_ticks = 7000, .threads = 3}))
      .file("proc/400/status", "Name:\tworker\nState:\tZ (zombie)\nUid:\t0\t0\t0\t0\nThreads:\t3\n")
      .dir("proc/400/fd")
      // task/400 is the zombie leader itself; 401 exited too; 402 is alive and holds the memory.
      .file("proc/400/task/400/stat",
            stat_line({.pid = 400, .comm = "worker", .state = 'Z', .start_ticks = 7000}))
      .file("proc/400/task/401/stat",
            stat_line({.pid = 401, .comm = "worker", .state = 'X', .start_ticks = 7001}))
      .file("proc/400/task/402/stat",
            stat_line({.pid = 402, .comm = "worker", .state = 'S', .start_ticks = 7002}))
      .file("proc/400/task/402/status", status_text("worker", 4096))
      .file("proc/400/task/402/cgroup", "0::/system.slice/worker.service\n")
      .file("proc/400/task/402/fd/0", "")
      .file("proc/400/task/402/fd/1", "");
  // A plain zombie (exited, not reaped) with one thread stays skipped.
  root.file("proc/500/stat", stat_line({.pid = 500, .comm = "defunct", .state = 'Z'}));
  ProcessSampler sampler = open_sampler(root);

  const Sampled s = sample_once(sampler);

  REQUIRE(s.processes.size() == 1);
  const ProcessSample& p = s.processes[0];
  CHECK(p.id == ProcessId{400, 7000});  // the leader's identity
  CHECK(p.rss_bytes == 4096u * 1024);
  CHECK(p.open_fds == 2u);
  CHECK(p.cgroup == "/system.slice/worker.service");
  CHECK(s.stats.zombies == 1);
  CHECK(s.stats.pids_sampled == 1);

  // All threads gone but the zombie leader: skipped, not 0 bytes.
  root.file("proc/400/task/402/stat",
            stat_line({.pid = 402, .comm = "worker", .state = 'Z', .start_ticks = 7002}));
  const Sampled dead = sample_once(sampler);
  CHECK(dead.processes.empty());
  CHECK(dead.stats.zombies == 2);
}

TEST_CASE("sampler: zombies and kernel threads are skipped, not recorded as 0 bytes",
          "[scan][sampler]") {
  testing::FakeRoot root;
  base_root(root);
  process(root, {.pid = 100, .comm = "web", .start_ticks = 5000});
  root.file("proc/2/stat", stat_line({.pid = 2, .comm = "kthreadd", .flags = kKernelFlags}))
      .file("proc/2/status", "Name:\tkthreadd\nState:\tS (sleeping)\nThreads:\t1\n")
      // No PF_KTHREAD in stat (an old kernel), but no VmRSS either: still no memory to read.
      .file("proc/3/stat", stat_line({.pid = 3, .comm = "kworker/0:1", .state = 'I'}))
      .file("proc/3/status", "Name:\tkworker/0:1\nState:\tI (idle)\nThreads:\t1\n")
      .file("proc/500/stat", stat_line({.pid = 500, .comm = "defunct", .state = 'Z'}))
      .file("proc/501/stat", stat_line({.pid = 501, .comm = "dead", .state = 'X'}));
  ProcessSampler sampler = open_sampler(root);

  const Sampled s = sample_once(sampler);

  REQUIRE(s.processes.size() == 1);
  CHECK(s.processes[0].id.pid == 100);
  CHECK(s.stats.kernel_threads == 2);
  CHECK(s.stats.zombies == 2);
  CHECK(s.stats.pids_listed == 5);
  CHECK(s.stats.gone == 0);
}

TEST_CASE("sampler: a hostile comm is kept as raw bytes and the rest of stat still parses",
          "[scan][sampler]") {
  const std::string comm =
      GENERATE(std::string("my app"), std::string("a) R 1 (b"), std::string(")"),
               std::string("x\ny"), std::string("\xFF\xFE bad"), std::string("<b>&amp;\"'"));
  testing::FakeRoot root;
  base_root(root);
  process(root, {.pid = 100, .comm = comm, .start_ticks = 5000});
  ProcessSampler sampler = open_sampler(root);

  const Sampled s = sample_once(sampler);

  REQUIRE(s.processes.size() == 1);
  CHECK(s.processes[0].comm == comm);  // sanitising is for whoever prints it
  CHECK(s.processes[0].id == ProcessId{100, 5000});
  CHECK(s.processes[0].state == 'S');
  CHECK(s.processes[0].ppid == 1);
  CHECK(s.stats.parse_errors == 0);
}

TEST_CASE("sampler: a malformed stat is a parse error, not a sample", "[scan][sampler]") {
  testing::FakeRoot root;
  base_root(root);
  process(root, {.pid = 100, .comm = "web", .start_ticks = 5000});
  root.file("proc/100/stat", "100 (web) S 1 100\n");
  ProcessSampler sampler = open_sampler(root);

  const Sampled s = sample_once(sampler);

  CHECK(s.processes.empty());
  CHECK(s.stats.parse_errors == 1);
}
