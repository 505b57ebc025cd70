#pragma once

// Which object really provides the allocator to a target, and where its entry points are.
// Refuses targets that cannot be traced safely, with the reason: Go (uretprobes corrupt Go
// stacks), musl (its allocator is not supported yet), a static binary without allocator symbols,
// a non-x86_64 host.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <sys/types.h>

#include "base/result.h"
#include "sites/module_map.h"
#include "sites/record.h"

namespace lw::sites {

struct TargetOptions {
  std::string proc_root = "/proc";
  // Objects that replace glibc's allocator when the program links or preloads them: the first
  // mapped object whose file name contains one of these and defines `malloc` wins over libc.
  std::vector<std::string> allocator_libraries{"libjemalloc", "libtcmalloc", "libmimalloc"};
  std::string symbol_prefix;  // e.g. "je_" for a jemalloc built with a prefix
};

struct AllocatorTarget {
  std::string module;     // the providing object's path as the target sees it
  std::string open_path;  // the path the uprobes attach through (map_files or root/...)
  // File offset of each symbol in `module` (nullopt: not defined there). A symbol at the same
  // offset as an earlier one (glibc's aligned_alloc = memalign) is left out: one probe per
  // address, or every call would be counted twice.
  std::array<std::optional<std::uint64_t>, kAllocSymbolCount> offsets{};
  std::vector<std::string> notes;  // aliases skipped, fallbacks taken
};

// Finds the allocator of process `pid` from its maps. Errors: kMalformed = the target is refused
// (the detail says why), kGone = it exited, kDenied = its files could not be opened, kIo = other.
Result<AllocatorTarget> find_allocator(pid_t pid, const std::vector<Mapping>& maps,
                                       const TargetOptions& opts);

// What find_allocator learns from one ELF file (exposed for tests and the fuzz target).
struct ElfFacts {
  bool go = false;      // .go.buildinfo / .gopclntab / runtime.main
  bool interp = false;  // has PT_INTERP: dynamically linked
  std::array<std::optional<std::uint64_t>, kAllocSymbolCount> offsets{};
};
Result<ElfFacts> read_elf_facts(const std::string& path, const std::string& symbol_prefix);

}  // namespace lw::sites
