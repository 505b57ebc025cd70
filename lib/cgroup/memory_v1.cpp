#include "cgroup/memory_v1.h"

#include <array>
#include <string>

#include "base/text.h"
#include "cgroup/flat_keyed.h"

namespace lw::cgroup {

namespace {

MemoryLimit v1_limit(std::uint64_t value) {
  if (value >= kV1UnlimitedThreshold) {
    return std::nullopt;
  }
  return value;
}

struct StatField {
  std::string_view key;
  std::optional<std::uint64_t> V1MemoryStat::*member;
};

constexpr std::array<StatField, 8> kStatFields{{
    {"total_rss", &V1MemoryStat::total_rss_bytes},
    {"total_cache", &V1MemoryStat::total_cache_bytes},
    {"total_shmem", &V1MemoryStat::total_shmem_bytes},
    {"total_swap", &V1MemoryStat::total_swap_bytes},
    {"total_inactive_file", &V1MemoryStat::total_inactive_file_bytes},
    {"total_active_file", &V1MemoryStat::total_active_file_bytes},
    {"total_mapped_file", &V1MemoryStat::total_mapped_file_bytes},
    {"total_rss_huge", &V1MemoryStat::total_rss_huge_bytes},
}};

}  // namespace

Result<std::uint64_t> parse_v1_counter(std::string_view text, std::string_view file) {
  const auto value = text::parse_u64(single_line(text));
  if (!value) {
    return bad_value(file, text);
  }
  return *value;
}

Result<MemoryLimit> parse_v1_limit(std::string_view text, std::string_view file) {
  const auto value = text::parse_u64(single_line(text));
  if (!value) {
    return bad_value(file, text);
  }
  return v1_limit(*value);
}

Result<V1MemoryStat> parse_v1_memory_stat(std::string_view text) {
  V1MemoryStat out;
  const Status status =
      parse_flat_keyed(text, "memory.stat", [&](std::string_view key, std::uint64_t value) {
        if (key == "hierarchical_memory_limit") {
          out.hierarchical_memory_limit = v1_limit(value);
          return;
        }
        if (key == "hierarchical_memsw_limit") {
          out.hierarchical_memsw_limit = v1_limit(value);
          return;
        }
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

Result<OomControl> parse_oom_control(std::string_view text) {
  OomControl out;
  std::optional<std::uint64_t> kill_disable;
  std::optional<std::uint64_t> under_oom;
  const Status status =
      parse_flat_keyed(text, "memory.oom_control", [&](std::string_view key, std::uint64_t value) {
        if (key == "oom_kill_disable") {
          kill_disable = value;
        } else if (key == "under_oom") {
          under_oom = value;
        } else if (key == "oom_kill") {
          out.oom_kill = value;
        }
      });
  if (!status) {
    return status.error();
  }
  if (!kill_disable || *kill_disable > 1) {
    return malformed("memory.oom_control: no 0/1 oom_kill_disable");
  }
  if (!under_oom || *under_oom > 1) {
    return malformed("memory.oom_control: no 0/1 under_oom");
  }
  out.oom_kill_disable = *kill_disable == 1;
  out.under_oom = *under_oom == 1;
  return out;
}

}  // namespace lw::cgroup
