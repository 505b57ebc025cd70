#include "cgroup/memory.h"

#include <array>
#include <string>

#include "base/text.h"
#include "cgroup/flat_keyed.h"

namespace lw::cgroup {

namespace {

struct StatField {
  std::string_view key;
  std::optional<std::uint64_t> MemoryStat::*member;
};

constexpr std::array<StatField, 9> kStatFields{{
    {"anon", &MemoryStat::anon_bytes},
    {"file", &MemoryStat::file_bytes},
    {"kernel", &MemoryStat::kernel_bytes},
    {"sock", &MemoryStat::sock_bytes},
    {"shmem", &MemoryStat::shmem_bytes},
    {"anon_thp", &MemoryStat::anon_thp_bytes},
    {"inactive_file", &MemoryStat::inactive_file_bytes},
    {"active_file", &MemoryStat::active_file_bytes},
    {"file_mapped", &MemoryStat::file_mapped_bytes},
}};

struct EventField {
  std::string_view key;
  std::optional<std::uint64_t> MemoryEvents::*member;
};

constexpr std::array<EventField, 6> kEventFields{{
    {"low", &MemoryEvents::low},
    {"high", &MemoryEvents::high},
    {"max", &MemoryEvents::max},
    {"oom", &MemoryEvents::oom},
    {"oom_kill", &MemoryEvents::oom_kill},
    {"oom_group_kill", &MemoryEvents::oom_group_kill},
}};

}  // namespace

Result<std::uint64_t> parse_memory_current(std::string_view text, std::string_view file) {
  const auto value = text::parse_u64(single_line(text));
  if (!value) {
    return bad_value(file, text);
  }
  return *value;
}

Result<MemoryLimit> parse_memory_limit(std::string_view text, std::string_view file) {
  const std::string_view v = single_line(text);
  if (v == "max") {
    return MemoryLimit{};
  }
  const auto value = text::parse_u64(v);
  if (!value) {
    return bad_value(file, text);
  }
  return MemoryLimit{*value};
}

Result<MemoryStat> parse_memory_stat(std::string_view text) {
  MemoryStat out;
  const Status status =
      parse_flat_keyed(text, "memory.stat", [&](std::string_view key, std::uint64_t value) {
        for (const auto& field : kStatFields) {
          if (key == field.key) {
            out.*field.member = value;
            return;
          }
        }
      });
  if (!status) {
    return status.error();
  }
  return out;
}

Result<MemoryEvents> parse_memory_events(std::string_view text, std::string_view file) {
  MemoryEvents out;
  const Status status =
      parse_flat_keyed(text, file, [&](std::string_view key, std::uint64_t value) {
        for (const auto& field : kEventFields) {
          if (key == field.key) {
            out.*field.member = value;
            return;
          }
        }
      });
  if (!status) {
    return status.error();
  }
  return out;
}

}  // namespace lw::cgroup
