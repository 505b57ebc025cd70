#include "scan/process_sampler.h"

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <sys/stat.h>

#include <catch2/catch.hpp>

#include "support/fake_root.h"

using namespace lw;
using namespace lw::model;
using namespace lw::scan;
using namespace std::string_literals;

namespace {

const SteadyTime kNow{std::chrono::seconds(1000)};
constexpr std::uint64_t kUserFlags = 0x400100;      // PF_RANDOMIZE | PF_FORKNOEXEC
constexpr std::uint64_t kKernelFlags = 0x00208040;  // PF_KTHREAD among them

struct StatFields {
  int pid = 0;
  std::string comm;
  char state = 'S';
  std::uint64_t start_ticks = 0;
  std::uint64_t flags = kUserFlags;
  int threads = 1;
};

// A full 52-field /proc/<pid>/stat line as Linux 6.x prints it.
std::string stat_line(const StatFields& f) {
  return std::to_string(f.pid) + " (" + f.comm + ") " + f.state + " 1 " + std::to_string(f.pid) +
         " " + std::to_string(f.pid) + " 0 -1 " + std::to_string(f.flags) +
         " 130 0 0 0 7 3 0 0 20 0 " + std::to_string(f.threads) + " 0 " +
         std::to_string(f.start_ticks) +
         " 2990080 406 18446744073709551615 1 1 0 0 0 0 0 6 0 1 0 0 17 1 0 0 0 0 0 1 1 1 1 1 1 1 "
         "0\n";
}

std::string status_text(std::string_view name, std::uint64_t rss_kib) {
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
testing::FakeRoot& base_root(testing::FakeRoot& root) {
  return root.file("proc/stat", "cpu  1 2 3 4\nbtime 1700000000\nprocesses 42\n")
      .file("proc/self/fd/0", "")
      .file("proc/self/fd/1", "");
}

// A live user process with `fds` entries in its fd directory.
void process(testing::FakeRoot& root, const StatFields& f, std::uint64_t rss_kib = 2048,
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
  std::vector<ProcessSample> processes;
  ScanStats stats;
};

Sampled sample_once(ProcessSampler& sampler, SteadyTime now = kNow) {
  Sampled out;
  sampler.sample(now, out.processes, out.stats);
  return out;
}

ProcessSampler open_sampler(const testing::FakeRoot& root, std::uint32_t identity_refresh = 30,
                            bool read_identity = false) {
  ProcessSampler sampler(ProcessSamplerOptions{.proc_root = (root / "proc").string(),
                                               .read_identity = read_identity,
                                               .identity_refresh_scans = identity_refresh});
  const Status opened = sampler.open();
  REQUIRE(opened.has_value());
  return sampler;
}

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

TEST_CASE("sampler: a reused pid with a new starttime is a new process", "[scan][sampler]") {
  testing::FakeRoot root;
  base_root(root);
  process(root, {.pid = 100, .comm = "old", .start_ticks = 5000});
  ProcessSampler sampler = open_sampler(root, 0);  // no periodic re-read
  const Sampled first = sample_once(sampler);
  REQUIRE(first.processes.size() == 1);
  CHECK(first.processes[0].cgroup == "/system.slice/app.service");

  // Same process, moved cgroup, same comm: without the periodic re-read the cgroup is kept.
  root.file("proc/100/cgroup", "0::/system.slice/other.service\n");
  const Sampled same = sample_once(sampler);
  REQUIRE(same.processes.size() == 1);
  CHECK(same.processes[0].id == ProcessId{100, 5000});
  CHECK(same.processes[0].cgroup == "/system.slice/app.service");

  // The pid is reused by another process: a new identity, its own cgroup read afresh.
  root.file("proc/100/stat", stat_line({.pid = 100, .comm = "new", .start_ticks = 9000}));
  const Sampled reused = sample_once(sampler);
  REQUIRE(reused.processes.size() == 1);
  CHECK(reused.processes[0].id == ProcessId{100, 9000});
  CHECK(reused.processes[0].comm == "new");
  CHECK(reused.processes[0].cgroup == "/system.slice/other.service");
  CHECK(sampler.identity(ProcessId{100, 5000}) == nullptr);  // the old one is forgotten
  CHECK(sampler.identity(ProcessId{100, 9000}) != nullptr);
}

TEST_CASE("sampler: a process moved into another cgroup after start gets it within N scans",
          "[scan][sampler]") {
  // runc init and systemd move a process into its final cgroup after it started; before the fix
  // the first cgroup read was kept for the life of the (pid, starttime).
  testing::FakeRoot root;
  base_root(root);
  process(root, {.pid = 100, .comm = "java", .start_ticks = 5000});
  root.file("proc/100/cgroup", "0::/system.slice/containerd.service\n");
  constexpr std::uint32_t kRefresh = 3;
  ProcessSampler sampler = open_sampler(root, kRefresh);
  const Sampled first = sample_once(sampler);
  REQUIRE(first.processes.size() == 1);
  CHECK(first.processes[0].unit == "containerd.service");
  const std::uint32_t version = first.processes[0].identity_version;

  root.file("proc/100/cgroup", "0::/kubepods.slice/pod1/cri-containerd-abc.scope\n");
  std::vector<std::string> seen;
  for (std::uint32_t i = 0; i < kRefresh; ++i) {
    const Sampled s = sample_once(sampler);
    REQUIRE(s.processes.size() == 1);
    seen.push_back(s.processes[0].cgroup);
  }
  CHECK(seen.back() == "/kubepods.slice/pod1/cri-containerd-abc.scope");
  const Sampled last = sample_once(sampler);
  CHECK(last.processes[0].unit == "cri-containerd-abc.scope");
  CHECK(last.processes[0].identity_version == version + 1);  // the store applies the rules again
  CHECK(last.processes[0].id == ProcessId{100, 5000});       // still the same process
}

TEST_CASE("sampler: an exec (comm changes) re-reads cgroup, exe and cmdline at once",
          "[scan][sampler]") {
  testing::FakeRoot root;
  base_root(root);
  process(root, {.pid = 100, .comm = "sh", .start_ticks = 5000});
  root.file("proc/100/cmdline", "sh\0-c\0exec java -jar app.jar\0"s);
  ProcessSampler sampler = open_sampler(root, 0, true);  // no periodic re-read: only the exec
  const Sampled first = sample_once(sampler);
  REQUIRE(first.processes.size() == 1);
  REQUIRE(sampler.identity(ProcessId{100, 5000}) != nullptr);
  CHECK(sampler.identity(ProcessId{100, 5000})->cmdline == "sh -c exec java -jar app.jar");

  root.file("proc/100/stat", stat_line({.pid = 100, .comm = "java", .start_ticks = 5000}))
      .file("proc/100/cmdline", "java\0-jar\0app.jar\0"s)
      .file("proc/100/cgroup", "0::/system.slice/app2.service\n");
  const Sampled after = sample_once(sampler);
  REQUIRE(after.processes.size() == 1);
  CHECK(after.processes[0].comm == "java");
  CHECK(after.processes[0].cgroup == "/system.slice/app2.service");
  CHECK(after.processes[0].unit == "app2.service");
  CHECK(after.processes[0].identity_version == first.processes[0].identity_version + 1);
  CHECK(sampler.identity(ProcessId{100, 5000})->cmdline == "java -jar app.jar");

  // Nothing changed: the version stays, so the store does not relabel every scan.
  const Sampled again = sample_once(sampler);
  CHECK(again.processes[0].identity_version == after.processes[0].identity_version);
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

TEST_CASE("sampler: boot time is read again when the wall clock steps", "[scan][sampler]") {
  // NTP's first sync after start steps the wall clock; the kernel's btime (wall - boottime) moves
  // with it. Before the fix btime was read once, so every start time and age stayed shifted.
  testing::FakeRoot root;
  base_root(root);
  process(root, {.pid = 100, .comm = "web", .start_ticks = 5000});
  double wall_minus_boot = 1700000000.3;
  ProcessSampler sampler(
      ProcessSamplerOptions{.proc_root = (root / "proc").string(),
                            .wall_minus_boot = [&wall_minus_boot] { return wall_minus_boot; }});
  REQUIRE(sampler.open().has_value());
  CHECK(sample_once(sampler).processes.at(0).start_time_seconds == Approx(1700000050.0));

  // Drift below a second (slewing, rounding): btime is not read again.
  root.file("proc/stat", "cpu  1 2 3 4\nbtime 1700000001\n");
  wall_minus_boot += 0.5;
  const Sampled slewed = sample_once(sampler);
  CHECK(slewed.processes.at(0).start_time_seconds == Approx(1700000050.0));
  CHECK(slewed.stats.boot_time_rereads == 0);

  // The clock steps forward by an hour.
  root.file("proc/stat", "cpu  1 2 3 4\nbtime 1700003600\n");
  wall_minus_boot += 3600;
  const Sampled stepped = sample_once(sampler);
  CHECK(stepped.processes.at(0).start_time_seconds == Approx(1700003650.0));
  CHECK(stepped.stats.boot_time_rereads == 1);
  CHECK(sampler.boot_time_seconds() == 1700003600u);
  CHECK(sample_once(sampler).stats.boot_time_rereads == 0);  // once per step, not every scan
}

TEST_CASE("sampler: cgroup paths from a private cgroup namespace never carry '/..'",
          "[scan][sampler]") {
  // Seen from a container with its own cgroup namespace, a host process's /proc/<pid>/cgroup
  // reads "/../x.service". Before the fix that went into the cgroup label as is.
  testing::FakeRoot root;
  base_root(root);
  process(root, {.pid = 100, .comm = "web", .start_ticks = 5000});
  root.file("proc/100/cgroup", "0::/../x.service\n");
  process(root, {.pid = 101, .comm = "sshd", .start_ticks = 5001});
  root.file("proc/101/cgroup", "0::/../../user.slice/user-1000.slice/session-1.scope\n");
  process(root, {.pid = 102, .comm = "app", .start_ticks = 5002});
  root.file("proc/102/cgroup", "0::/\n");  // inside the daemon's own namespace root

  // readdir order is not pid order.
  const auto by_pid = [](Sampled s) {
    std::sort(s.processes.begin(), s.processes.end(),
              [](const ProcessSample& a, const ProcessSample& b) { return a.id.pid < b.id.pid; });
    return s;
  };
  SECTION("the namespace root is known: resolved") {
    ProcessSampler sampler(
        ProcessSamplerOptions{.proc_root = (root / "proc").string(),
                              .cgroup_ns_root = std::string("/system.slice/docker-abc.scope")});
    REQUIRE(sampler.open().has_value());
    const Sampled s = by_pid(sample_once(sampler));
    REQUIRE(s.processes.size() == 3);
    CHECK(s.processes[0].cgroup == "/system.slice/x.service");
    CHECK(s.processes[0].unit == "x.service");
    CHECK(s.processes[1].cgroup == "/user.slice/user-1000.slice/session-1.scope");
    CHECK(s.processes[2].cgroup == "/system.slice/docker-abc.scope");
  }
  SECTION("the namespace root is unknown: unknown, not '/..'") {
    ProcessSampler sampler = open_sampler(root);
    const Sampled s = by_pid(sample_once(sampler));
    REQUIRE(s.processes.size() == 3);
    CHECK(s.processes[0].cgroup.empty());
    CHECK(s.processes[0].unit.empty());
    CHECK(s.processes[1].cgroup.empty());
    CHECK(s.processes[2].cgroup == "/");
  }
}

TEST_CASE("sampler: limits are re-read each limits_interval while fds move, 10x later otherwise",
          "[scan][sampler]") {
  testing::FakeRoot root;
  base_root(root);
  process(root, {.pid = 100, .comm = "svc", .start_ticks = 5000}, 2048, 3);
  const auto limits = [&](int soft) {
    root.file("proc/100/limits",
              "Limit                     Soft Limit           Hard Limit           Units     \n"
              "Max open files            " +
                  std::to_string(soft) + "                 524288               files     \n");
  };
  limits(1024);
  ProcessSampler sampler(ProcessSamplerOptions{.proc_root = (root / "proc").string(),
                                               .limits_interval = std::chrono::seconds(60)});
  REQUIRE(sampler.open().has_value());
  const auto max_fds_at = [&](int seconds) {
    const Sampled s = sample_once(sampler, kNow + std::chrono::seconds(seconds));
    REQUIRE(s.processes.size() == 1);
    return s.processes[0].max_fds;
  };
  CHECK(max_fds_at(0) == 1024u);  // first sight
  limits(2048);                   // prlimit(1) raised it; the fd count stays 3
  CHECK(max_fds_at(60) == 1024u);
  CHECK(max_fds_at(590) == 1024u);
  CHECK(max_fds_at(600) == 2048u);  // 10 x limits_interval
  limits(4096);
  root.file("proc/100/fd/3", "");  // the fd count moves: back to limits_interval
  CHECK(max_fds_at(630) == 2048u);
  CHECK(max_fds_at(660) == 4096u);
}
