#pragma once

// Internal to lib/sites: naming one address of a libdwfl module (functions, inlined frames,
// file:line, build-id). The only header besides unwinder.cpp's includes that sees libdwfl.

#include <cstdint>
#include <string>
#include <vector>

#include <elfutils/libdwfl.h>

#include "sites/stack_sample.h"

namespace lw::sites::detail {

// Lowercase hex of the module's GNU build-id note; empty when it has none.
std::string module_build_id(Dwfl_Module* mod);

// The frames at `pc` (an absolute address of the target, already pc-1 for return addresses):
// inlined frames first, each with its call site, then the function that contains them. With no
// DWARF, one frame named from the ELF symbol table; with no symbols, one frame with an empty
// function. `module` and `build_id` are copied into every frame; `offset` is the ELF address.
std::vector<Frame> symbolize_in_module(Dwfl_Module* mod, Dwarf_Addr pc, const std::string& module,
                                       const std::string& build_id);

// What libdw holds in memory for the module's debug information once used: the decompressed
// sizes of its compressed sections (libdw inflates them into the heap; uncompressed ones are
// mapped from the file, shared with the page cache, and not counted). An estimate, from headers.
std::size_t debug_heap_estimate(Dwfl_Module* mod);

// abi::__cxa_demangle, or the name unchanged when it is not a mangled C++ name.
std::string demangle(const char* name);

}  // namespace lw::sites::detail
