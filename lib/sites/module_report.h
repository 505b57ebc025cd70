#pragma once

// Internal to lib/sites: reporting one mapped module of the target to libdwfl.

#include <cstdint>
#include <optional>
#include <string>

#include <elfutils/libdwfl.h>
#include <sys/types.h>

#include "sites/module_map.h"

namespace lw::sites::detail {

// The load bias of an ELF mapped as `module` (mapping address = ELF address + bias), from its
// program headers: the PT_LOAD that holds a mapping's file offset is where the mapping starts.
// 0 for ET_EXEC. nullopt when the file is not ELF or no mapping matches a PT_LOAD.
std::optional<std::uint64_t> elf_load_bias(int fd, const Module& module);

// Opens the module's file (map_files, then the target's root, then the path) and reports it to
// `dwfl` under the path the target sees. nullptr when no candidate opens as ELF.
Dwfl_Module* report_module(Dwfl* dwfl, pid_t pid, const Module& module,
                           const std::string& proc_root, bool use_map_files);

}  // namespace lw::sites::detail
