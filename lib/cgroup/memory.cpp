#include "cgroup/memory.h"

#include <array>

#include "base/keyed.h"
#include "cgroup/flat_keyed.h"

namespace lw::cgroup {

namespace {

constexpr std::array<keyed::Field<MemoryStat>, 12> kStatFields{{
    {"anon", &MemoryStat::anon_bytes},
    {"file", &MemoryStat::file_bytes},
    {"kernel", &MemoryStat::kernel_bytes},
    {"sock", &MemoryStat::sock_bytes},
    {"shmem", &MemoryStat::shmem_bytes},
    {"anon_thp", &MemoryStat::anon_thp_bytes},
    {"inactive_file", &MemoryStat::inactive_file_bytes},
    {"active_file", &MemoryStat::active_file_bytes},
    {"file_mapped", &MemoryStat::file_mapped_bytes},
    {"slab_reclaimable", &MemoryStat::slab_reclaimable_bytes},
    {"file_dirty", &MemoryStat::file_dirty_bytes},
    {"file_writeback", &MemoryStat::file_writeback_bytes},
}};

constexpr std::array<keyed::Field<MemoryEvents>, 6> kEventFields{{
    {"low", &MemoryEvents::low},
    {"high", &MemoryEvents::high},
    {"max", &MemoryEvents::max},
    {"oom", &MemoryEvents::oom},
    {"oom_kill", &MemoryEvents::oom_kill},
    {"oom_group_kill", &MemoryEvents::oom_group_kill},
}};

}  // namespace

Result<std::uint64_t> parse_memory_current(std::string_view text, std::string_view file) {
  return parse_single_u64(text, file);
}

Result<MemoryLimit> parse_memory_limit(std::string_view text, std::string_view file) {
  const std::string_view v = single_line(text);
  if (v == "max") {
    return MemoryLimit{};
  }
  const auto value = parse_single_u64(text, file);
  if (!value) {
    return value.error();
  }
  return MemoryLimit{*value};
}

Result<MemoryStat> parse_memory_stat(std::string_view text) {
  return keyed::parse(text, keyed::kFlatKeyed, "memory.stat", kStatFields);
}

Result<MemoryEvents> parse_memory_events(std::string_view text, std::string_view file) {
  return keyed::parse(text, keyed::kFlatKeyed, file, kEventFields);
}

}  // namespace lw::cgroup
