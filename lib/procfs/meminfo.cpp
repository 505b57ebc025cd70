#include "procfs/meminfo.h"

#include <array>
#include <string>

#include "base/text.h"

namespace lw::procfs {

namespace {

struct KibField {
  std::string_view key;
  std::optional<std::uint64_t> Meminfo::*member;
};

constexpr std::array<KibField, 8> kKibFields{{
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
  Meminfo out;
  std::string bad_key;
  text::for_each_line(text, [&](std::string_view line) {
    const auto kv = text::split_once(line, ':');
    if (!kv || !bad_key.empty()) {
      return;
    }
    const auto [key, value] = *kv;
    for (const auto& field : kKibFields) {
      if (key == field.key) {
        out.*field.member = text::parse_kib_as_bytes(value);
        if (!(out.*field.member)) {
          bad_key = std::string(key);
        }
        return;
      }
    }
  });
  if (!bad_key.empty()) {
    return malformed("meminfo: bad value for " + bad_key);
  }
  if (!out.mem_total_bytes) {
    return malformed("meminfo: no MemTotal line");
  }
  return out;
}

}  // namespace lw::procfs
