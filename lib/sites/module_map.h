#pragma once

// The target's executable mappings, parsed from /proc/PID/maps. The parser is pure (it reads
// text a local user controls: arbitrary bytes give a clear error or the lines that parse, never
// undefined behaviour) and is what the fuzz target drives.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <sys/types.h>

#include "base/result.h"

namespace lw::sites {

// One line of /proc/PID/maps.
struct Mapping {
  std::uint64_t start = 0;
  std::uint64_t end = 0;     // exclusive
  std::uint64_t offset = 0;  // file offset of `start`
  bool readable = false;
  bool writable = false;
  bool executable = false;
  std::uint64_t inode = 0;
  std::string path;      // as the target sees it; empty for anonymous; "[vdso]", "[stack]", ...
  bool deleted = false;  // the path ended in " (deleted)" (stripped from `path`)

  bool operator==(const Mapping&) const = default;
  bool contains(std::uint64_t addr) const { return addr >= start && addr < end; }
  // A regular file (not anonymous, not a [pseudo] mapping).
  bool file_backed() const { return !path.empty() && path.front() == '/'; }
};

// One line: "start-end perms offset dev inode [path]". Returns nullopt when the line does not have
// that shape.
std::optional<Mapping> parse_maps_line(std::string_view line);

struct ParsedMaps {
  std::vector<Mapping> mappings;  // in file order
  std::size_t malformed_lines = 0;
};

// Every line of a maps file; lines that do not parse are counted, not fatal.
ParsedMaps parse_maps(std::string_view text);

// A file-backed object mapped into the target: all its mappings (same path and inode) together.
struct Module {
  std::string path;  // as the target sees it
  std::uint64_t inode = 0;
  bool deleted = false;
  std::uint64_t low = 0;   // lowest mapping start
  std::uint64_t high = 0;  // highest mapping end
  std::vector<Mapping> mappings;
  // The mapping with file offset 0 (its start is where the ELF header sits), when mapped.
  std::optional<Mapping> first;
};

// The file-backed modules of a parsed maps file, ordered by address. Mappings of one file that
// are not adjacent (the same library mapped twice) give two modules.
std::vector<Module> group_modules(const std::vector<Mapping>& mappings);

// The load bias of the ELF file open on `fd` when mapped as `module` (mapping address = ELF
// address + bias), from its program headers: the PT_LOAD holding a mapping's file offset is where
// that mapping starts. 0 for ET_EXEC. nullopt when the file is not ELF (any bytes: the file is
// the target's, so a local user controls it) or no mapping falls in a PT_LOAD.
std::optional<std::uint64_t> elf_load_bias(int fd, const Module& module);

// Reads and parses /proc/PID/maps (`proc_root` lets tests point at a fixture tree).
Result<ParsedMaps> read_maps(pid_t pid, const std::string& proc_root = "/proc");

// Where to open a module's file from outside the target's mount namespace, best first:
// /proc/PID/map_files/<start>-<end> (needs CAP_SYS_ADMIN; works for deleted files), then
// /proc/PID/root/<path> (containerised targets), then the path itself.
std::vector<std::string> module_file_candidates(pid_t pid, const Module& module,
                                                const std::string& proc_root = "/proc",
                                                bool use_map_files = true);

}  // namespace lw::sites
