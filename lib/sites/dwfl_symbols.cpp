#include "sites/dwfl_symbols.h"

#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>

#include <cxxabi.h>
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <fcntl.h>
#include <gelf.h>
#include <unistd.h>

namespace lw::sites::detail {
namespace {

struct FreeDeleter {
  // libdw's and the demangler's malloc'd results.
  void operator()(void* p) const { std::free(p); }  // NOLINT(*-no-malloc,*-owning-memory)
};

struct SourcePos {
  std::string file;
  int line = 0;
};

const char* attr_string(Dwarf_Die* die, unsigned int name) {
  Dwarf_Attribute attr;
  return dwarf_formstring(dwarf_attr_integrate(die, name, &attr));
}

// The function a subprogram or inlined_subroutine DIE stands for: its linkage name demangled
// (qualified, with parameters) when it has one, else its plain name.
std::string die_function_name(Dwarf_Die* die) {
  const char* linkage = attr_string(die, DW_AT_linkage_name);
  if (linkage == nullptr) {
    linkage = attr_string(die, DW_AT_MIPS_linkage_name);
  }
  if (linkage != nullptr) {
    return demangle(linkage);
  }
  const char* name = attr_string(die, DW_AT_name);
  return name != nullptr ? std::string(name) : std::string();
}

// Where an inlined_subroutine was called from (DW_AT_call_file / DW_AT_call_line).
SourcePos call_site(Dwarf_Die* inlined, Dwarf_Die* cudie) {
  SourcePos pos;
  Dwarf_Attribute attr;
  Dwarf_Word value = 0;
  if (dwarf_formudata(dwarf_attr(inlined, DW_AT_call_line, &attr), &value) == 0) {
    pos.line = static_cast<int>(value);
  }
  Dwarf_Files* files = nullptr;
  std::size_t nfiles = 0;
  if (dwarf_formudata(dwarf_attr(inlined, DW_AT_call_file, &attr), &value) == 0 &&
      dwarf_getsrcfiles(cudie, &files, &nfiles) == 0 && value < nfiles) {
    const char* file = dwarf_filesrc(files, value, nullptr, nullptr);
    pos.file = file != nullptr ? file : "";
  }
  return pos;
}

SourcePos line_table_pos(Dwfl_Module* mod, Dwarf_Addr pc) {
  SourcePos pos;
  Dwfl_Line* line = dwfl_module_getsrc(mod, pc);
  if (line == nullptr) {
    return pos;
  }
  int lineno = 0;
  const char* file = dwfl_lineinfo(line, nullptr, &lineno, nullptr, nullptr, nullptr);
  pos.file = file != nullptr ? file : "";
  pos.line = lineno;
  return pos;
}

// The DWARF scopes at pc, innermost first, following the concrete nesting (an inlined
// subroutine's parent is the function it was inlined into). Empty without DWARF.
std::vector<Dwarf_Die> concrete_scopes(Dwfl_Module* mod, Dwarf_Addr pc, Dwarf_Die& cudie_out) {
  Dwarf_Addr bias = 0;
  Dwarf_Die* cudie = dwfl_module_addrdie(mod, pc, &bias);
  if (cudie == nullptr) {
    return {};
  }
  cudie_out = *cudie;
  Dwarf_Die* raw = nullptr;
  const int n = dwarf_getscopes(cudie, pc - bias, &raw);
  std::unique_ptr<Dwarf_Die, FreeDeleter> scopes(raw);
  if (n <= 0) {
    return {};
  }
  // dwarf_getscopes continues an inlined instance with its abstract origin's scopes;
  // dwarf_getscopes_die walks the DIE tree upward from the innermost scope instead.
  Dwarf_Die* chain_raw = nullptr;
  const int m = dwarf_getscopes_die(&scopes.get()[0], &chain_raw);
  std::unique_ptr<Dwarf_Die, FreeDeleter> chain(chain_raw);
  if (m <= 0) {
    return {};
  }
  return {chain.get(), chain.get() + m};
}

}  // namespace

std::string demangle(const char* name) {
  if (name == nullptr) {
    return {};
  }
  int status = 0;
  std::unique_ptr<char, FreeDeleter> out(abi::__cxa_demangle(name, nullptr, nullptr, &status));
  if (status == 0 && out) {
    return out.get();
  }
  return name;
}

std::size_t debug_heap_estimate(Dwfl_Module* mod) {
  // libdw inflates compressed sections in place (the flag is cleared), so the sizes are read from
  // a fresh look at the files libdwfl chose.
  Dwarf_Addr bias = 0;
  (void)dwfl_module_getdwarf(mod, &bias);
  const char* main_file = nullptr;
  const char* debug_file = nullptr;
  dwfl_module_info(mod, nullptr, nullptr, nullptr, nullptr, nullptr, &main_file, &debug_file);
  std::size_t total = 0;
  for (const char* path : {main_file, debug_file}) {
    if (path == nullptr ||
        (path == debug_file && main_file != nullptr && std::strcmp(main_file, debug_file) == 0)) {
      continue;
    }
    const int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      continue;
    }
    Elf* elf = elf_begin(fd, ELF_C_READ_MMAP, nullptr);
    for (Elf_Scn* scn = elf != nullptr ? elf_nextscn(elf, nullptr) : nullptr; scn != nullptr;
         scn = elf_nextscn(elf, scn)) {
      GElf_Shdr shdr;
      GElf_Chdr chdr;
      if (gelf_getshdr(scn, &shdr) != nullptr && (shdr.sh_flags & SHF_COMPRESSED) != 0 &&
          gelf_getchdr(scn, &chdr) != nullptr) {
        total += chdr.ch_size;
      }
    }
    if (elf != nullptr) {
      elf_end(elf);
    }
    close(fd);
  }
  return total;
}

std::string module_build_id(Dwfl_Module* mod) {
  const unsigned char* bits = nullptr;
  GElf_Addr vaddr = 0;
  const int n = dwfl_module_build_id(mod, &bits, &vaddr);
  std::string hex;
  static constexpr std::string_view kDigits = "0123456789abcdef";
  for (int i = 0; i < n; ++i) {
    hex.push_back(kDigits[bits[i] >> 4]);
    hex.push_back(kDigits[bits[i] & 0xf]);
  }
  return hex;
}

std::vector<Frame> symbolize_in_module(Dwfl_Module* mod, Dwarf_Addr pc, const std::string& module,
                                       const std::string& build_id) {
  Dwarf_Addr bias = 0;
  Frame base;
  base.module = module;
  base.build_id = build_id;
  base.offset = dwfl_module_getelf(mod, &bias) != nullptr ? pc - bias : pc;

  std::vector<Frame> frames;
  Dwarf_Die cudie;
  std::vector<Dwarf_Die> scopes = concrete_scopes(mod, pc, cudie);
  SourcePos pos = line_table_pos(mod, pc);
  for (Dwarf_Die& die : scopes) {
    const int tag = dwarf_tag(&die);
    if (tag != DW_TAG_subprogram && tag != DW_TAG_inlined_subroutine) {
      continue;
    }
    Frame f = base;
    f.function = die_function_name(&die);
    f.file = pos.file;
    f.line = pos.line;
    f.inlined = tag == DW_TAG_inlined_subroutine;
    frames.push_back(std::move(f));
    if (tag == DW_TAG_subprogram) {
      break;
    }
    pos = call_site(&die, &cudie);
  }
  if (!frames.empty() && !frames.back().inlined) {
    return frames;
  }
  // No DWARF here (or scopes without their subprogram): the ELF symbol table names the
  // outermost function; inlined frames found above stay in front of it.
  GElf_Off sym_offset = 0;
  GElf_Sym sym;
  const char* name = dwfl_module_addrinfo(mod, pc, &sym_offset, &sym, nullptr, nullptr, nullptr);
  Frame f = base;
  f.function = name != nullptr ? demangle(name) : std::string();
  f.file = pos.file;
  f.line = pos.line;
  frames.push_back(std::move(f));
  return frames;
}

}  // namespace lw::sites::detail
