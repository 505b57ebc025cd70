#include "procfs/kmsg_oom.h"

#include <array>
#include <limits>
#include <utility>

#include "base/keyed.h"
#include "base/text.h"

namespace lw::procfs {

namespace {

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// Pops the text up to the next ',' (or all of it).
std::string_view next_field(std::string_view& rest) {
  const auto parts = text::split_once(rest, ',');
  if (!parts) {
    return std::exchange(rest, std::string_view{});
  }
  rest = parts->second;
  return parts->first;
}

// The (a) line prints the uid with "%d" although uid_t is unsigned: uids above 2^31 come out
// negative, so map them back.
std::optional<std::uint32_t> parse_printed_uid(std::string_view s) {
  const auto value = text::parse_int<std::int64_t>(s);
  if (!value || *value < std::numeric_limits<std::int32_t>::min() ||
      *value > std::numeric_limits<std::uint32_t>::max()) {
    return std::nullopt;
  }
  return static_cast<std::uint32_t>(*value);
}

std::optional<std::int32_t> parse_pid(std::string_view s) {
  const auto pid = text::parse_int<std::int32_t>(s);
  if (!pid || *pid <= 0) {
    return std::nullopt;
  }
  return pid;
}

// "1000kB" -> 1024000 (the kB is KiB).
std::optional<std::uint64_t> parse_kb_suffixed(std::string_view s) {
  constexpr std::string_view kUnit = "kB";
  if (!ends_with(s, kUnit)) {
    return std::nullopt;
  }
  const auto kib = text::parse_u64(s.substr(0, s.size() - kUnit.size()));
  if (!kib) {
    return std::nullopt;
  }
  return text::checked_mul(*kib, 1024);
}

// (a) "oom-kill:constraint=C,nodemask=N[,cpuset=P,mems_allowed=M][,oom_memcg=P|,global_oom]
//      [,task_memcg=P],task=COMM,pid=PID,uid=UID"
// nodemask and mems_allowed are node lists that may hold commas ("0-1,3"), and cgroup paths and
// comm may hold anything, so fields are found by their ",key=" markers: pid and uid from the
// end, the cgroups from the front, and task between ",task=" (after ",task_memcg=") and the
// last ",pid=", so a comm such as "x,pid=1" cannot shift the pid.
std::optional<OomLine> parse_summary(std::string_view body) {
  constexpr std::string_view kConstraint = "constraint=";
  constexpr std::string_view kOomMemcg = ",oom_memcg=";
  constexpr std::string_view kTaskMemcg = ",task_memcg=";
  constexpr std::string_view kTask = ",task=";
  constexpr std::string_view kPid = ",pid=";
  constexpr std::string_view kUid = ",uid=";
  if (!starts_with(body, kConstraint)) {
    return std::nullopt;
  }
  const auto uid_pos = body.rfind(kUid);
  if (uid_pos == std::string_view::npos) {
    return std::nullopt;
  }
  const auto pid_pos = body.substr(0, uid_pos).rfind(kPid);
  if (pid_pos == std::string_view::npos) {
    return std::nullopt;
  }
  OomLine out;
  const auto pid = parse_pid(body.substr(pid_pos + kPid.size(), uid_pos - pid_pos - kPid.size()));
  out.uid = parse_printed_uid(body.substr(uid_pos + kUid.size()));
  if (!pid || !out.uid) {
    return std::nullopt;
  }
  out.pid = *pid;

  const std::string_view head = body.substr(0, pid_pos);
  const auto oom_memcg_pos = head.find(kOomMemcg);
  const auto task_memcg_pos =
      head.find(kTaskMemcg, oom_memcg_pos == std::string_view::npos ? 0 : oom_memcg_pos);
  const auto task_pos = head.find(
      kTask, task_memcg_pos == std::string_view::npos ? 0 : task_memcg_pos + kTaskMemcg.size());
  if (task_pos == std::string_view::npos) {
    return std::nullopt;
  }
  out.comm = std::string(head.substr(task_pos + kTask.size()));
  if (task_memcg_pos != std::string_view::npos) {
    const auto start = task_memcg_pos + kTaskMemcg.size();
    out.task_memcg = std::string(head.substr(start, task_pos - start));
  }
  if (oom_memcg_pos != std::string_view::npos) {
    const auto start = oom_memcg_pos + kOomMemcg.size();
    const auto end = task_memcg_pos != std::string_view::npos ? task_memcg_pos : task_pos;
    out.oom_memcg = std::string(head.substr(start, end - start));
  }
  std::string_view constraint_rest = head.substr(kConstraint.size());
  const std::string_view constraint = next_field(constraint_rest);
  if (constraint.empty()) {
    return std::nullopt;
  }
  out.constraint = std::string(constraint);
  out.memcg_oom = constraint == "CONSTRAINT_MEMCG";
  return out;
}

// (b)/(c) "[PREFIX: ]Killed process PID (COMM) total-vm:NkB, anon-rss:NkB, file-rss:NkB
//          [, shmem-rss:NkB][, UID:N pgtables:NkB oom_score_adj:N]"
std::optional<OomLine> parse_kill(std::string_view message) {
  constexpr std::string_view kKilled = "Killed process ";
  constexpr std::string_view kCommEnd = ") total-vm:";
  // The reasons oom_kill.c passes to __oom_kill_process(); 4.19 and older print no prefix.
  constexpr std::array<std::string_view, 3> kPrefixes{
      "Out of memory: ", "Memory cgroup out of memory: ",
      "Out of memory (oom_kill_allocating_task): "};
  const auto killed = message.find(kKilled);
  if (killed == std::string_view::npos) {
    return std::nullopt;
  }
  const std::string_view prefix = message.substr(0, killed);
  bool prefix_ok = prefix.empty();
  for (const std::string_view known : kPrefixes) {
    prefix_ok = prefix_ok || ends_with(prefix, known);
  }
  if (!prefix_ok) {
    return std::nullopt;
  }
  OomLine out;
  out.memcg_oom = ends_with(prefix, kPrefixes[1]);

  std::string_view rest = message.substr(killed + kKilled.size());
  const auto pid_end = rest.find(" (");
  const auto pid =
      pid_end == std::string_view::npos ? std::nullopt : parse_pid(rest.substr(0, pid_end));
  if (!pid) {
    return std::nullopt;
  }
  out.pid = *pid;
  rest.remove_prefix(pid_end + 2);
  // comm may contain ") total-vm:" itself; the kernel's own one is the last.
  const auto comm_end = rest.rfind(kCommEnd);
  if (comm_end == std::string_view::npos) {
    return std::nullopt;
  }
  out.comm = std::string(rest.substr(0, comm_end));
  rest.remove_prefix(comm_end + 2);

  constexpr std::array<keyed::Field<OomLine>, 4> kKbFields{{
      {"total-vm", &OomLine::total_vm_bytes},
      {"anon-rss", &OomLine::anon_rss_bytes},
      {"file-rss", &OomLine::file_rss_bytes},
      {"shmem-rss", &OomLine::shmem_rss_bytes},
  }};
  for (std::string_view token = text::next_token(rest); !token.empty();
       token = text::next_token(rest)) {
    if (token.back() == ',') {
      token.remove_suffix(1);
    }
    const auto kv = text::split_once(token, ':');
    if (!kv) {
      continue;
    }
    const auto [key, value] = *kv;
    bool ok = true;
    if (key == "UID") {
      out.uid = text::parse_int<std::uint32_t>(value);
      ok = out.uid.has_value();
    } else if (key == "pgtables") {
      ok = parse_kb_suffixed(value).has_value();
    } else if (key == "oom_score_adj") {
      ok = text::parse_int<std::int32_t>(value).has_value();
    }
    if (const auto* field = keyed::find_field(kKbFields, key)) {
      out.*field->member = parse_kb_suffixed(value);
      ok = (out.*field->member).has_value();
    }
    if (!ok) {
      return std::nullopt;
    }
  }
  // Every kernel prints these three; shmem-rss (4.5+) and UID (5.x+) may be absent.
  if (!out.total_vm_bytes || !out.anon_rss_bytes || !out.file_rss_bytes) {
    return std::nullopt;
  }
  return out;
}

}  // namespace

std::optional<KmsgRecord> parse_kmsg_record(std::string_view record) {
  const auto header_message = text::split_once(record, ';');
  if (!header_message) {
    return std::nullopt;
  }
  auto [header, message] = *header_message;
  const auto priority = text::parse_int<std::uint32_t>(next_field(header));
  const auto seq = text::parse_u64(next_field(header));
  const auto timestamp = text::parse_u64(next_field(header));
  const std::string_view flags = next_field(header);  // '-', 'c' or '+'; more fields may follow
  if (!priority || !seq || !timestamp || flags.empty()) {
    return std::nullopt;
  }
  // The message ends at the first '\n'; continuation lines (" KEY=VALUE") follow it. The kernel
  // escapes control bytes in the message itself as \xNN, so a comm cannot end it early.
  const auto nl = message.find('\n');
  if (nl != std::string_view::npos) {
    message = message.substr(0, nl);
  }
  return KmsgRecord{
      .seq = *seq, .timestamp_us = *timestamp, .message = message, .priority = *priority};
}

std::optional<OomLine> parse_oom_line(std::string_view message) {
  message = text::trim(message);
  constexpr std::string_view kSummary = "oom-kill:";
  if (starts_with(message, kSummary)) {
    return parse_summary(message.substr(kSummary.size()));
  }
  return parse_kill(message);
}

}  // namespace lw::procfs
