#include "procfs/meminfo.h"

#include <array>

#include "base/keyed.h"

namespace lw::procfs {

namespace {

constexpr std::array<keyed::Field<Meminfo>, 8> kKibFields{{
    {"MemTotal", &Meminfo::mem_total_bytes},
    {"MemFree", &Meminfo::mem_free_bytes},
    {"MemAvailable", &Meminfo::mem_available_bytes},
    {"SwapTotal", &Meminfo::swap_total_bytes},
    {"SwapFree", &Meminfo::swap_free_bytes},
    {"AnonHugePages", &Meminfo::anon_huge_pages_bytes},
    {"Committed_AS", &Meminfo::committed_as_bytes},
    {"Shmem", &Meminfo::shmem_bytes},
}};

}  // namespace

Result<Meminfo> parse_meminfo(std::string_view text) {
  auto out = keyed::parse(text, keyed::kProcKib, "meminfo", kKibFields);
  if (out && !out->mem_total_bytes) {
    return malformed("meminfo: no MemTotal line");
  }
  return out;
}

}  // namespace lw::procfs
