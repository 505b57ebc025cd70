#pragma once

// Internal to lib/sites: reporting one mapped module of the target to libdwfl.

#include <cstdint>
#include <optional>
#include <string>

#include <elfutils/libdwfl.h>
#include <sys/types.h>

#include "sites/module_map.h"

namespace lw::sites::detail {

// Opens the module's file (map_files, then the target's root, then the path) and reports it to
// `dwfl` under the path the target sees. nullptr when no candidate opens as ELF.
Dwfl_Module* report_module(Dwfl* dwfl, pid_t pid, const Module& module,
                           const std::string& proc_root, bool use_map_files);

}  // namespace lw::sites::detail
