#include "procfs/kmsg_oom.h"

#include <string>
#include <string_view>
#include <vector>

#include <catch2/catch.hpp>

#include "base/text.h"
#include "support/fake_root.h"

using namespace lw;
using namespace lw::procfs;

namespace {

// Fixture files hold one /dev/kmsg record per line, as read() returns them.
std::vector<std::string> records(std::string_view rel) {
  std::vector<std::string> out;
  text::for_each_line(testing::fixture(rel),
                      [&](std::string_view line) { out.emplace_back(std::string(line) + "\n"); });
  return out;
}

// Every OOM line of a fixture, in order.
std::vector<OomLine> oom_lines(std::string_view rel) {
  std::vector<OomLine> out;
  for (const std::string& r : records(rel)) {
    const auto rec = parse_kmsg_record(r);
    REQUIRE(rec.has_value());
    if (auto line = parse_oom_line(rec->message)) {
      out.push_back(std::move(*line));
    }
  }
  return out;
}

constexpr std::uint64_t kKiB = 1024;

}  // namespace

TEST_CASE("kmsg: record header, message and continuation lines", "[procfs][kmsg]") {
  const auto r = parse_kmsg_record(
      "6,2108,8412346102,-,caller=T1234;oom-kill:constraint=CONSTRAINT_NONE\n"
      " SUBSYSTEM=memory\n DEVICE=+memory:x\n");
  REQUIRE(r.has_value());
  CHECK(r->priority == 6u);
  CHECK(r->seq == 2108u);
  CHECK(r->timestamp_us == 8412346102u);
  CHECK(r->message == "oom-kill:constraint=CONSTRAINT_NONE");

  const auto user = parse_kmsg_record("14,7,100,c;a; message; with ; semicolons");
  REQUIRE(user.has_value());
  CHECK(user->priority == 14u);  // LOG_USER << 3 | LOG_INFO: written from user space
  CHECK(user->message == "a; message; with ; semicolons");

  const auto empty = parse_kmsg_record("6,1,2,-;");
  REQUIRE(empty.has_value());
  CHECK(empty->message.empty());
}

TEST_CASE("kmsg: a malformed record header is rejected", "[procfs][kmsg]") {
  const std::string_view bad =
      GENERATE("", "no header", "6,1,2;msg", "6,1,2,;msg", "x,1,2,-;msg", "6,-1,2,-;msg",
               "6,1,2.5,-;msg", "6,,2,-;msg", ";msg", "6 ,1,2,-;msg", "6,1,2,-");
  CHECK_FALSE(parse_kmsg_record(bad).has_value());
}

TEST_CASE("kmsg: 4.19 global OOM, kill line without prefix or UID", "[procfs][kmsg]") {
  const auto lines = oom_lines("kmsg/4.19-global.txt");
  REQUIRE(lines.size() == 2);  // "Kill process ... or sacrifice child" and oom_reaper are not kills

  const OomLine& summary = lines[0];
  CHECK(summary.pid == 1234);
  CHECK(summary.comm == "java");
  CHECK(summary.constraint == "CONSTRAINT_NONE");
  CHECK_FALSE(summary.oom_memcg.has_value());  // ",global_oom" instead
  CHECK(summary.task_memcg == "/system.slice/java.service");
  CHECK(summary.uid == 1000u);
  CHECK_FALSE(summary.memcg_oom);
  CHECK_FALSE(summary.total_vm_bytes.has_value());

  const OomLine& kill = lines[1];
  CHECK(kill.pid == 1234);
  CHECK(kill.comm == "java");
  CHECK(kill.total_vm_bytes == 8388608 * kKiB);
  CHECK(kill.anon_rss_bytes == 3670016 * kKiB);
  CHECK(kill.file_rss_bytes == 2048 * kKiB);
  CHECK(kill.shmem_rss_bytes == 0u);
  CHECK_FALSE(kill.uid.has_value());  // no "UID:" before 5.x
  CHECK_FALSE(kill.memcg_oom);
  CHECK_FALSE(kill.task_memcg.has_value());
}

TEST_CASE("kmsg: old kernels print no shmem-rss, which stays absent", "[procfs][kmsg]") {
  const auto lines = oom_lines("kmsg/4.4-no-shmem.txt");
  REQUIRE(lines.size() == 1);
  CHECK(lines[0].pid == 2222);
  CHECK(lines[0].comm == "mysqld");
  CHECK(lines[0].total_vm_bytes == 2451236 * kKiB);
  CHECK(lines[0].anon_rss_bytes == 1587204 * kKiB);
  CHECK(lines[0].file_rss_bytes == 0u);
  CHECK_FALSE(lines[0].shmem_rss_bytes.has_value());
}

TEST_CASE("kmsg: 5.10 memory cgroup OOM", "[procfs][kmsg]") {
  const auto lines = oom_lines("kmsg/5.10-memcg.txt");
  REQUIRE(lines.size() == 2);
  const OomLine& summary = lines[0];
  CHECK(summary.pid == 4321);
  CHECK(summary.constraint == "CONSTRAINT_MEMCG");
  CHECK(summary.memcg_oom);
  CHECK(summary.oom_memcg == "/kubepods/burstable/pod7f3c");
  CHECK(summary.task_memcg == "/kubepods/burstable/pod7f3c/2b9e");  // mems_allowed=0-1 has no ','
  CHECK(summary.comm == "python3");
  CHECK(summary.uid == 0u);

  const OomLine& kill = lines[1];
  CHECK(kill.pid == 4321);
  CHECK(kill.memcg_oom);  // "Memory cgroup out of memory: " prefix
  CHECK(kill.comm == "python3");
  CHECK(kill.total_vm_bytes == 1234567 * kKiB);
  CHECK(kill.anon_rss_bytes == 520192 * kKiB);
  CHECK(kill.file_rss_bytes == 12345 * kKiB);
  CHECK(kill.shmem_rss_bytes == 4 * kKiB);
  CHECK(kill.uid == 0u);
}

TEST_CASE("kmsg: 6.1 global OOM", "[procfs][kmsg]") {
  const auto lines = oom_lines("kmsg/6.1-global.txt");
  REQUIRE(lines.size() == 2);
  CHECK(lines[0].task_memcg == "/user.slice/user-1000.slice/session-3.scope");
  CHECK(lines[0].uid == 1000u);
  CHECK(lines[1].pid == 2345);
  CHECK(lines[1].comm == "stress-ng");
  CHECK_FALSE(lines[1].memcg_oom);
  CHECK(lines[1].anon_rss_bytes == 3932160 * kKiB);
  CHECK(lines[1].uid == 1000u);
}

TEST_CASE("kmsg: hostile comm cannot shift pid, uid, memcg or sizes", "[procfs][kmsg]") {
  const auto lines = oom_lines("kmsg/6.x-hostile.txt");
  REQUIRE(lines.size() == 8);

  CHECK(lines[0].pid == 5150);
  CHECK(lines[0].comm == "x,pid=1,uid=2");
  CHECK(lines[0].uid == 0u);
  CHECK(lines[0].task_memcg == "/system.slice/leaky.service");
  CHECK(lines[0].oom_memcg == "/system.slice/leaky.service");
  CHECK(lines[1].pid == 5150);
  CHECK(lines[1].comm == "x,pid=1,uid=2");
  CHECK(lines[1].total_vm_bytes == 2097152 * kKiB);

  CHECK(lines[2].pid == 5151);
  CHECK(lines[2].comm == ") total-vm:9kB");
  CHECK(lines[3].pid == 5151);
  CHECK(lines[3].comm == ") total-vm:9kB");
  CHECK(lines[3].total_vm_bytes == 4096 * kKiB);  // not 9 kB
  CHECK(lines[3].anon_rss_bytes == 2048 * kKiB);

  CHECK(lines[4].comm == "Web Content");
  CHECK(lines[5].comm == "Web Content");
  CHECK(lines[5].shmem_rss_bytes == 16384 * kKiB);

  // The kernel escapes control and non-ASCII bytes in /dev/kmsg; comm stays as printed.
  CHECK(lines[6].comm == "evil\\x0a\\xff\"q");
  CHECK(lines[6].uid == 4294967294u);  // printed with %d as -2
  CHECK(lines[7].comm == "evil\\x0a\\xff\"q");
  CHECK(lines[7].uid == 4294967294u);
}

TEST_CASE("kmsg: oom_kill_allocating_task prefix and free text before the reason",
          "[procfs][kmsg]") {
  const auto a = parse_oom_line(
      "Out of memory (oom_kill_allocating_task): Killed process 7 (a) total-vm:1kB, "
      "anon-rss:2kB, file-rss:3kB, shmem-rss:4kB, UID:5 pgtables:6kB oom_score_adj:-1000");
  REQUIRE(a.has_value());
  CHECK(a->pid == 7);
  CHECK(a->uid == 5u);
  CHECK(a->shmem_rss_bytes == 4 * kKiB);
  const auto tagged = parse_oom_line(
      "leakwatch-test: Out of memory: Killed process 99999 (lwtest) total-vm:1000kB, "
      "anon-rss:900kB, file-rss:4kB, shmem-rss:0kB, UID:0 pgtables:40kB oom_score_adj:0");
  REQUIRE(tagged.has_value());
  CHECK(tagged->pid == 99999);
  CHECK(tagged->anon_rss_bytes == 900 * kKiB);
}

TEST_CASE("kmsg: lines that are not OOM kills", "[procfs][kmsg]") {
  const std::string_view message = GENERATE(
      "oom_reaper: reaped process 1234 (x), now anon-rss:0kB, file-rss:0kB, shmem-rss:0kB",
      "Tasks state (memory values in pages):",
      "[  pid  ]   uid  tgid total_vm      rss pgtables_bytes swapents oom_score_adj name",
      "[   1234]  1000  1234  2097152   917504  7544320        0             0 java",
      "Out of memory: Kill process 1234 (java) score 912 or sacrifice child",
      "Memory cgroup out of memory: Kill process 1234 (java) score 912 or sacrifice child",
      "java invoked oom-killer: gfp_mask=0x6200ca(GFP_HIGHUSER_MOVABLE), order=0, oom_score_adj=0",
      "Task in /leak killed as a result of limit of /leak",
      "systemd[1]: leaky.service: A process of this unit has been killed by the OOM killer.",
      "someone: Killed process 1 (x) total-vm:1kB, anon-rss:1kB, file-rss:1kB", "",
      "oom-kill:", "oom-kill:nodemask=(null),task=a,pid=1,uid=0");
  CHECK_FALSE(parse_oom_line(message).has_value());
}

TEST_CASE("kmsg: a damaged OOM line is rejected, not zero-filled", "[procfs][kmsg]") {
  const std::string_view message = GENERATE(
      // (b): a size without kB, a negative size, a missing required size, a bad pid or uid
      "Out of memory: Killed process 1 (x) total-vm:1000, anon-rss:9kB, file-rss:0kB",
      "Out of memory: Killed process 1 (x) total-vm:-1kB, anon-rss:9kB, file-rss:0kB",
      "Out of memory: Killed process 1 (x) total-vm:1kB, file-rss:0kB, shmem-rss:0kB",
      "Out of memory: Killed process 1 (x) total-vm:1kB, anon-rss:kB, file-rss:0kB",
      "Out of memory: Killed process x (x) total-vm:1kB, anon-rss:1kB, file-rss:0kB",
      "Out of memory: Killed process 0 (x) total-vm:1kB, anon-rss:1kB, file-rss:0kB",
      "Out of memory: Killed process -5 (x) total-vm:1kB, anon-rss:1kB, file-rss:0kB",
      "Out of memory: Killed process 1 (x) total-vm:1kB, anon-rss:1kB, file-rss:0kB, UID:x",
      "Out of memory: Killed process 1 (x) total-vm:1kB, anon-rss:1kB, file-rss:0kB, UID:0 "
      "pgtables:1 oom_score_adj:0",
      "Out of memory: Killed process 1 x) total-vm:1kB, anon-rss:1kB, file-rss:0kB",
      "Out of memory: Killed process 1 (x total-vm:1kB, anon-rss:1kB, file-rss:0kB",
      // (a): pid and uid must be numbers
      "oom-kill:constraint=CONSTRAINT_NONE,nodemask=(null),global_oom,task_memcg=/,task=a,pid=x,"
      "uid=0",
      "oom-kill:constraint=CONSTRAINT_NONE,nodemask=(null),global_oom,task_memcg=/,task=a,pid=1,"
      "uid=",
      "oom-kill:constraint=CONSTRAINT_NONE,nodemask=(null),global_oom,task_memcg=/,task=a,pid=1",
      "oom-kill:constraint=,nodemask=(null),global_oom,task_memcg=/,task=a,pid=1,uid=0",
      "oom-kill:constraint=CONSTRAINT_NONE,nodemask=(null),global_oom,task_memcg=/,pid=1,uid=0");
  CHECK_FALSE(parse_oom_line(message).has_value());
}

TEST_CASE("kmsg: a summary without memcg support still parses", "[procfs][kmsg]") {
  // !CONFIG_MEMCG and !CONFIG_CPUSETS print neither cgroup nor cpuset fields.
  const auto s =
      parse_oom_line("oom-kill:constraint=CONSTRAINT_NONE,nodemask=0-1,3,task=a b,pid=42,uid=7");
  REQUIRE(s.has_value());
  CHECK(s->pid == 42);
  CHECK(s->comm == "a b");
  CHECK(s->uid == 7u);
  CHECK_FALSE(s->task_memcg.has_value());
  CHECK_FALSE(s->oom_memcg.has_value());
  CHECK(s->constraint == "CONSTRAINT_NONE");
}

TEST_CASE("kmsg: truncated records and lines never throw", "[procfs][kmsg]") {
  for (const char* rel : {"kmsg/4.19-global.txt", "kmsg/5.10-memcg.txt", "kmsg/6.x-hostile.txt"}) {
    for (const std::string& r : records(rel)) {
      for (std::size_t n = 0; n <= r.size(); ++n) {
        const std::string_view prefix = std::string_view(r).substr(0, n);
        CHECK_NOTHROW(parse_kmsg_record(prefix));
        const auto rec = parse_kmsg_record(prefix);
        if (rec) {
          CHECK_NOTHROW(parse_oom_line(rec->message));
        }
      }
    }
  }
}
