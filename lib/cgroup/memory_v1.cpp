#include "cgroup/memory_v1.h"

#include <array>

#include "base/keyed.h"
#include "cgroup/flat_keyed.h"

namespace lw::cgroup {

namespace {

MemoryLimit v1_limit(std::uint64_t value) {
  if (value >= kV1UnlimitedThreshold) {
    return std::nullopt;
  }
  return value;
}

constexpr std::array<keyed::Field<V1MemoryStat>, 10> kStatFields{{
    {"total_rss", &V1MemoryStat::total_rss_bytes},
    {"total_cache", &V1MemoryStat::total_cache_bytes},
    {"total_shmem", &V1MemoryStat::total_shmem_bytes},
    {"total_swap", &V1MemoryStat::total_swap_bytes},
    {"total_inactive_file", &V1MemoryStat::total_inactive_file_bytes},
    {"total_active_file", &V1MemoryStat::total_active_file_bytes},
    {"total_mapped_file", &V1MemoryStat::total_mapped_file_bytes},
    {"total_rss_huge", &V1MemoryStat::total_rss_huge_bytes},
    {"total_dirty", &V1MemoryStat::total_dirty_bytes},
    {"total_writeback", &V1MemoryStat::total_writeback_bytes},
}};

// memory.oom_control as printed; the two flags are checked to be 0 or 1 afterwards.
struct OomControlFields {
  std::optional<std::uint64_t> oom_kill_disable;
  std::optional<std::uint64_t> under_oom;
  std::optional<std::uint64_t> oom_kill;
};

constexpr std::array<keyed::Field<OomControlFields>, 3> kOomFields{{
    {"oom_kill_disable", &OomControlFields::oom_kill_disable},
    {"under_oom", &OomControlFields::under_oom},
    {"oom_kill", &OomControlFields::oom_kill},
}};

}  // namespace

Result<std::uint64_t> parse_v1_counter(std::string_view text, std::string_view file) {
  return parse_single_u64(text, file);
}

Result<MemoryLimit> parse_v1_limit(std::string_view text, std::string_view file) {
  const auto value = parse_single_u64(text, file);
  if (!value) {
    return value.error();
  }
  return v1_limit(*value);
}

Result<V1MemoryStat> parse_v1_memory_stat(std::string_view text) {
  V1MemoryStat out;
  const Status status = keyed::parse_into(
      text, keyed::kFlatKeyed, "memory.stat", kStatFields, out, [&](const keyed::Line& line) {
        if (line.key == "hierarchical_memory_limit") {
          out.hierarchical_memory_limit = v1_limit(*line.number);  // kStrict: always a number
        } else if (line.key == "hierarchical_memsw_limit") {
          out.hierarchical_memsw_limit = v1_limit(*line.number);
        }
        return true;
      });
  if (!status) {
    return status.error();
  }
  return out;
}

Result<OomControl> parse_oom_control(std::string_view text) {
  const auto fields = keyed::parse(text, keyed::kFlatKeyed, "memory.oom_control", kOomFields);
  if (!fields) {
    return fields.error();
  }
  if (!fields->oom_kill_disable || *fields->oom_kill_disable > 1) {
    return malformed("memory.oom_control: no 0/1 oom_kill_disable");
  }
  if (!fields->under_oom || *fields->under_oom > 1) {
    return malformed("memory.oom_control: no 0/1 under_oom");
  }
  return OomControl{.oom_kill_disable = *fields->oom_kill_disable == 1,
                    .under_oom = *fields->under_oom == 1,
                    .oom_kill = fields->oom_kill};
}

}  // namespace lw::cgroup
