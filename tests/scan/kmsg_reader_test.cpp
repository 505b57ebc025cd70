#include "scan/kmsg_reader.h"

#include <algorithm>
#include <cerrno>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <fcntl.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "base/fd.h"
#include "base/text.h"
#include "support/fake_root.h"
#include "support/skip.h"

using namespace lw;
using namespace lw::scan;
using lw::procfs::OomLine;

namespace {

constexpr std::uint64_t kKiB = 1024;

// Feeds every record of a fixture (one /dev/kmsg record per line) as one poll.
std::vector<OomLine> feed_fixture(OomMerger& merger, std::string_view rel) {
  text::for_each_line(testing::fixture(rel), [&](std::string_view line) {
    CHECK(merger.add_record(std::string(line) + "\n"));
  });
  return merger.end_poll();
}

std::string summary(int pid, std::string_view memcg) {
  return "6,1,100,-;oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=/,mems_allowed=0,"
         "oom_memcg=" +
         std::string(memcg) + ",task_memcg=" + std::string(memcg) +
         ",task=leaker,pid=" + std::to_string(pid) + ",uid=0\n";
}

std::string kill(int pid, std::string_view prefix = "Memory cgroup out of memory: ") {
  return "3,2,200,-;" + std::string(prefix) + "Killed process " + std::to_string(pid) +
         " (leaker) total-vm:1000kB, anon-rss:900kB, file-rss:4kB, shmem-rss:0kB, UID:0 "
         "pgtables:40kB oom_score_adj:0\n";
}

const OomLine* find_pid(const std::vector<OomLine>& lines, int pid) {
  const auto it =
      std::find_if(lines.begin(), lines.end(), [&](const OomLine& l) { return l.pid == pid; });
  return it == lines.end() ? nullptr : &*it;
}

}  // namespace

TEST_CASE("oom merger: the two lines of a 4.19 kill become one", "[scan][kmsg]") {
  OomMerger merger;
  const auto kills = feed_fixture(merger, "kmsg/4.19-global.txt");
  REQUIRE(kills.size() == 1);
  const OomLine& k = kills[0];
  CHECK(k.pid == 1234);
  CHECK(k.comm == "java");
  CHECK(k.constraint == "CONSTRAINT_NONE");             // from the oom-kill: line
  CHECK(k.task_memcg == "/system.slice/java.service");  // from the oom-kill: line
  CHECK_FALSE(k.oom_memcg.has_value());
  CHECK(k.uid == 1000u);                      // only the oom-kill: line has it on 4.19
  CHECK(k.total_vm_bytes == 8388608 * kKiB);  // from the Killed process line
  CHECK(k.anon_rss_bytes == 3670016 * kKiB);
  CHECK(k.file_rss_bytes == 2048 * kKiB);
  CHECK(k.shmem_rss_bytes == 0u);
  CHECK_FALSE(k.memcg_oom);
  CHECK(merger.pending() == 0);
}

TEST_CASE("oom merger: memcg kill takes cgroups from (a) and sizes from (c)", "[scan][kmsg]") {
  OomMerger merger;
  const auto kills = feed_fixture(merger, "kmsg/5.10-memcg.txt");
  REQUIRE(kills.size() == 1);
  CHECK(kills[0].pid == 4321);
  CHECK(kills[0].memcg_oom);
  CHECK(kills[0].oom_memcg == "/kubepods/burstable/pod7f3c");
  CHECK(kills[0].task_memcg == "/kubepods/burstable/pod7f3c/2b9e");
  CHECK(kills[0].anon_rss_bytes == 520192 * kKiB);
  CHECK(kills[0].shmem_rss_bytes == 4 * kKiB);
}

TEST_CASE("oom merger: hostile comms still pair by pid", "[scan][kmsg]") {
  OomMerger merger;
  const auto kills = feed_fixture(merger, "kmsg/6.x-hostile.txt");
  REQUIRE(kills.size() == 4);
  CHECK(kills[0].pid == 5150);
  CHECK(kills[0].comm == "x,pid=1,uid=2");
  CHECK(kills[0].task_memcg == "/system.slice/leaky.service");
  CHECK(kills[0].anon_rss_bytes == 1048576 * kKiB);
  CHECK(kills[1].pid == 5151);
  CHECK(kills[1].comm == ") total-vm:9kB");
  CHECK(kills[1].total_vm_bytes == 4096 * kKiB);
  CHECK(kills[2].comm == "Web Content");
  CHECK(kills[3].uid == 4294967294u);
}

TEST_CASE("oom merger: a pair split across two polls still merges", "[scan][kmsg]") {
  OomMerger merger;
  REQUIRE(merger.add_record(summary(700, "/system.slice/leaky.service")));
  CHECK(merger.end_poll().empty());
  REQUIRE(merger.add_record(kill(700)));
  const auto kills = merger.end_poll();
  REQUIRE(kills.size() == 1);
  CHECK(kills[0].task_memcg == "/system.slice/leaky.service");
  CHECK(kills[0].anon_rss_bytes == 900 * kKiB);

  // The same with the kill line first.
  REQUIRE(merger.add_record(kill(701, "Out of memory: ")));
  CHECK(merger.end_poll().empty());
  REQUIRE(merger.add_record(summary(701, "/a")));
  const auto reversed = merger.end_poll();
  REQUIRE(reversed.size() == 1);
  CHECK(reversed[0].task_memcg == "/a");
  CHECK(reversed[0].memcg_oom);  // from the CONSTRAINT_MEMCG summary
  CHECK(merger.pending() == 0);
}

TEST_CASE("oom merger: an unmatched half is emitted after one further poll", "[scan][kmsg]") {
  OomMerger merger;
  const auto first = feed_fixture(merger, "kmsg/4.4-no-shmem.txt");  // no oom-kill: line
  CHECK(first.empty());
  CHECK(merger.pending() == 1);
  const auto second = merger.end_poll();
  REQUIRE(second.size() == 1);
  CHECK(second[0].pid == 2222);
  CHECK(second[0].comm == "mysqld");
  CHECK_FALSE(second[0].shmem_rss_bytes.has_value());
  CHECK_FALSE(second[0].task_memcg.has_value());
  CHECK(merger.end_poll().empty());  // emitted once only

  REQUIRE(merger.add_record(summary(800, "/x")));
  CHECK(merger.end_poll().empty());
  const auto lone = merger.end_poll();
  REQUIRE(lone.size() == 1);
  CHECK(lone[0].task_memcg == "/x");
  CHECK_FALSE(lone[0].total_vm_bytes.has_value());
}

TEST_CASE("oom merger: interleaved kills pair by pid", "[scan][kmsg]") {
  OomMerger merger;
  REQUIRE(merger.add_record(summary(1, "/one")));
  REQUIRE(merger.add_record(summary(2, "/two")));
  REQUIRE(merger.add_record(kill(2)));
  REQUIRE(merger.add_record(kill(1)));
  const auto kills = merger.end_poll();
  REQUIRE(kills.size() == 2);
  CHECK(kills[0].pid == 2);
  CHECK(kills[0].task_memcg == "/two");
  CHECK(kills[1].pid == 1);
  CHECK(kills[1].task_memcg == "/one");
}

TEST_CASE("oom merger: a second line of the same kind ends the first kill", "[scan][kmsg]") {
  OomMerger merger;
  REQUIRE(merger.add_record(kill(9)));
  REQUIRE(merger.add_record(kill(9)));
  REQUIRE(merger.add_record(summary(9, "/nine")));
  const auto kills = merger.end_poll();
  REQUIRE(kills.size() == 2);
  CHECK_FALSE(kills[0].task_memcg.has_value());  // the first kill line, alone
  CHECK(kills[1].task_memcg == "/nine");
  CHECK(kills[1].total_vm_bytes == 1000 * kKiB);
}

TEST_CASE("oom merger: bad headers are reported, other records ignored", "[scan][kmsg]") {
  OomMerger merger;
  CHECK_FALSE(merger.add_record("garbage without a header"));
  CHECK(merger.add_record("6,5,6,-;eth0: link up\n"));
  CHECK(merger.add_record(
      "6,7,8,-;oom_reaper: reaped process 1234 (x), now anon-rss:0kB, file-rss:0kB\n"));
  CHECK(merger.end_poll().empty());
  CHECK(merger.pending() == 0);
}

TEST_CASE("oom merger: records from user space are never kills", "[scan][kmsg]") {
  // PRI = facility * 8 + level. A write to /dev/kmsg gets facility 1 (LOG_USER) unless it asks
  // for another non-zero one; only the kernel's own records have facility 0.
  OomMerger merger;
  std::string forged = kill(11, "Out of memory: ");
  forged.replace(0, 1, "11");  // LOG_USER | LOG_ERR
  std::string forged_summary = summary(12, "/x");
  forged_summary.replace(0, 1, "30");  // LOG_DAEMON | LOG_INFO
  REQUIRE(merger.add_record(forged));
  REQUIRE(merger.add_record(forged_summary));
  REQUIRE(merger.add_record(kill(12)));  // a kernel kill line with the forged summary's pid
  REQUIRE(merger.add_record("14,9,9,-;eth0: link up\n"));  // user, but not OOM-like
  CHECK(merger.end_poll().empty());
  const auto kills = merger.end_poll();
  REQUIRE(kills.size() == 1);
  CHECK(kills[0].pid == 12);
  CHECK_FALSE(kills[0].task_memcg.has_value());  // not merged with the forged summary
  CHECK(merger.non_kernel_oom_lines() == 2);
}

TEST_CASE("oom merger: waiting halves are bounded", "[scan][kmsg]") {
  OomMerger merger;
  const int n = static_cast<int>(OomMerger::kMaxPending) + 5;
  for (int pid = 1; pid <= n; ++pid) {
    REQUIRE(merger.add_record(kill(pid)));
  }
  CHECK(merger.pending() == OomMerger::kMaxPending);
  const auto now = merger.end_poll();
  REQUIRE(now.size() == 5);
  CHECK(now[0].pid == 1);  // the oldest went first
  CHECK(merger.end_poll().size() == OomMerger::kMaxPending);
}

TEST_CASE("kmsg reader: a missing device is an error and poll stays empty", "[scan][kmsg]") {
  testing::FakeRoot root;
  KmsgReader reader((root / "no-kmsg").string());
  const Status s = reader.open();
  REQUIRE_FALSE(s.has_value());
  CHECK(s.error().kind == ErrorKind::kGone);
  CHECK_FALSE(reader.is_open());
  std::uint64_t errors = 0;
  CHECK(reader.poll(errors).empty());
  CHECK(errors == 0);
}

TEST_CASE("kmsg reader: old records are skipped by seeking to the end", "[scan][kmsg]") {
  // A regular file gives EOF instead of EAGAIN; what matters is that nothing before open() shows.
  testing::FakeRoot root;
  root.file("kmsg", kill(31) + kill(31));
  KmsgReader reader((root / "kmsg").string());
  REQUIRE(reader.open().has_value());
  CHECK(reader.is_open());
  std::uint64_t errors = 0;
  CHECK(reader.poll(errors).empty());
  CHECK(reader.poll(errors).empty());
  CHECK(errors == 0);
}

TEST_CASE("kmsg reader: a kill line written to the real /dev/kmsg is read but not counted",
          "[scan][kmsg][host_mutating]") {
  // Records written from user space are real records (facility LOG_USER), so this exercises the
  // device's one-record-per-read and EAGAIN behaviour, and shows that such a record, however
  // much it looks like the kernel's, is no kill. It writes fake OOM lines into the host's kernel
  // log, which every log reader on the host sees: it runs only when asked to.
  // Needs root and printk_devkmsg != off.
  if (!testing::host_mutating_enabled()) {
    LW_SKIP(
        "writes fake OOM records into the host's /dev/kmsg; set LW_TEST_HOST_MUTATING=1 to run it");
  }
  const std::string devkmsg_mode(text::trim(testing::read_file("/proc/sys/kernel/printk_devkmsg")));
  if (devkmsg_mode == "off") {
    LW_SKIP("printk_devkmsg=off drops records written to /dev/kmsg");
  }
  auto writer = open_at(AT_FDCWD, "/dev/kmsg", O_WRONLY);
  if (!writer) {
    LW_SKIP("/dev/kmsg is not writable: " << writer.error().detail);
  }
  // Pids above PID_MAX_LIMIT (4194304) never belong to a real process, and adding our own pid
  // keeps concurrent runs of this test apart (the kernel log is shared).
  const int before_pid = 4194304 + static_cast<int>(::getpid()) * 3;
  const int lone_pid = before_pid + 1;
  const int pair_pid = before_pid + 2;
  const auto write_record = [&](const std::string& text) {
    // One write() is one record; the '\n' finalises it so readers see it at once. "<3>" asks
    // for level 3 (err) as the kernel's kill line has; the facility stays LOG_USER.
    const std::string line = "<3>" + text + "\n";
    REQUIRE(::write(writer->get(), line.data(), line.size()) == static_cast<ssize_t>(line.size()));
  };
  const auto kill_text = [](int pid) {
    return "Out of memory: Killed process " + std::to_string(pid) +
           " (lwtest) total-vm:1000kB, anon-rss:900kB, file-rss:4kB, shmem-rss:0kB, UID:0 "
           "pgtables:40kB oom_score_adj:0";
  };

  write_record(kill_text(before_pid));  // logged before open(): not even read
  KmsgReader reader("/dev/kmsg");
  const Status opened = reader.open();
  if (!opened) {
    LW_SKIP("cannot read /dev/kmsg: " << opened.error().detail);
  }
  write_record(kill_text(lone_pid));
  write_record(
      "oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=/,mems_allowed=0,"
      "oom_memcg=/system.slice/leaky.service,task_memcg=/system.slice/leaky.service,"
      "task=lwtest,pid=" +
      std::to_string(pair_pid) + ",uid=0");
  write_record(kill_text(pair_pid));

  std::uint64_t errors = 0;
  const auto first = reader.poll(errors);  // must return: O_NONBLOCK turns "no more" into EAGAIN
  const auto second = reader.poll(errors);
  CHECK(reader.non_kernel_oom_lines() >= 3);  // read, one record per read() (others may write too)
  for (const int pid : {before_pid, lone_pid, pair_pid}) {
    CHECK(find_pid(first, pid) == nullptr);
    CHECK(find_pid(second, pid) == nullptr);
  }
  CHECK(errors == 0);
}
