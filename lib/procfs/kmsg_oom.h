#pragma once

// OOM-kill records from the kernel log as read from /dev/kmsg (Documentation/ABI/testing/
// dev-kmsg): each read returns one record "PRI,SEQ,TS_USEC,FLAGS[,...];MESSAGE\n" followed by
// optional continuation lines " KEY=VALUE". Three message shapes matter, across 4.19–6.x:
//   (a) since 4.19 (mm/oom_kill.c dump_oom_summary):
//       "oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=/,mems_allowed=0,
//        oom_memcg=/leak,task_memcg=/leak,task=leaker,pid=1234,uid=0"
//   (b) the kill line, "Out of memory: Killed process 1234 (leaker) total-vm:1000kB,
//       anon-rss:900kB, file-rss:4kB, shmem-rss:0kB, UID:0 pgtables:40kB oom_score_adj:0"
//       (older kernels: "Out of memory: Kill process 1234 (leaker) score 900 or sacrifice child"
//       followed by "Killed process 1234 (leaker) total-vm:..., anon-rss:..., file-rss:...")
//   (c) the same with the prefix "Memory cgroup out of memory: " instead of "Out of memory: ".
// comm inside "(...)" may contain ')' and spaces: cut at the last ") " before "total-vm:".

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace lw::procfs {

struct KmsgRecord {
  std::uint64_t seq = 0;
  std::uint64_t timestamp_us = 0;  // since boot (CLOCK_MONOTONIC as the kernel keeps it)
  std::string_view message;        // without the prefix and without continuation lines
  // PRI = facility << 3 | level. Facility 0 is the kernel: records written to /dev/kmsg from user
  // space always get a non-zero facility (LOG_USER by default), so this tells real kernel lines
  // from injected ones.
  std::uint32_t priority = 0;

  // Facility 0: printed by the kernel itself. Since 3.5 the kernel gives a record written to
  // /dev/kmsg facility LOG_USER (1) unless the writer asks for another non-zero one, so no
  // process can forge a kernel record (kernel/printk/printk.c devkmsg_write).
  bool from_kernel() const { return (priority >> 3) == 0; }
};

// Parses one /dev/kmsg record header; nullopt when it is not "PRI,SEQ,TS,FLAGS;MSG".
std::optional<KmsgRecord> parse_kmsg_record(std::string_view record);

// What one OOM line told us; a kill is usually described by an (a) line and a (b)/(c) line with
// the same pid, which the caller merges.
struct OomLine {
  std::int32_t pid = 0;
  std::optional<std::string> comm;
  std::optional<std::string> task_memcg;  // (a): the victim's memory cgroup
  std::optional<std::string> oom_memcg;   // (a): the cgroup whose limit was hit
  std::optional<std::string> constraint;  // (a): CONSTRAINT_NONE / CONSTRAINT_MEMCG / ...
  std::optional<std::uint32_t> uid;
  std::optional<std::uint64_t> total_vm_bytes;   // (b)/(c)
  std::optional<std::uint64_t> anon_rss_bytes;   // (b)/(c)
  std::optional<std::uint64_t> file_rss_bytes;   // (b)/(c)
  std::optional<std::uint64_t> shmem_rss_bytes;  // (b)/(c)
  bool memcg_oom = false;  // (c) prefix seen, or constraint == CONSTRAINT_MEMCG
};

// nullopt when the message is not an OOM kill line of shape (a), (b) or (c), or when one of its
// known fields is damaged (never zero-filled). For (b)/(c), text before the reason is tolerated
// ("tag: Out of memory: Killed process ..."); "Kill process ... or sacrifice child" (the old
// selection line) and "oom_reaper: reaped process ..." are not kills.
std::optional<OomLine> parse_oom_line(std::string_view message);

}  // namespace lw::procfs
