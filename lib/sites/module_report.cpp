#include "sites/module_report.h"

#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <unistd.h>

#include "base/fd.h"

namespace lw::sites::detail {
namespace {

constexpr std::uint64_t kPageMask = ~std::uint64_t{0xfff};

struct ElfHandle {
  Elf* elf = nullptr;
  explicit ElfHandle(int fd) {
    elf_version(EV_CURRENT);
    elf = elf_begin(fd, ELF_C_READ_MMAP, nullptr);
  }
  ~ElfHandle() {
    if (elf != nullptr) {
      elf_end(elf);
    }
  }
  ElfHandle(const ElfHandle&) = delete;
  ElfHandle& operator=(const ElfHandle&) = delete;
  ElfHandle(ElfHandle&&) = delete;
  ElfHandle& operator=(ElfHandle&&) = delete;
};

}  // namespace

}  // namespace lw::sites::detail

namespace lw::sites {

std::optional<std::uint64_t> elf_load_bias(int fd, const Module& module) {
  detail::ElfHandle h(fd);
  if (h.elf == nullptr || elf_kind(h.elf) != ELF_K_ELF) {
    return std::nullopt;
  }
  GElf_Ehdr ehdr;
  if (gelf_getehdr(h.elf, &ehdr) == nullptr) {
    return std::nullopt;
  }
  if (ehdr.e_type == ET_EXEC) {
    return 0;
  }
  std::size_t phnum = 0;
  if (elf_getphdrnum(h.elf, &phnum) != 0) {
    return std::nullopt;
  }
  for (const Mapping& m : module.mappings) {
    for (std::size_t i = 0; i < phnum; ++i) {
      GElf_Phdr ph;
      if (gelf_getphdr(h.elf, static_cast<int>(i), &ph) == nullptr || ph.p_type != PT_LOAD) {
        continue;
      }
      // The segment's first page starts at p_offset rounded down; p_vaddr and p_offset agree
      // modulo the page size, so the mapping's offset has ELF address p_vaddr - p_offset + off.
      if ((ph.p_offset & detail::kPageMask) <= m.offset && m.offset < ph.p_offset + ph.p_filesz) {
        return m.start - (ph.p_vaddr - ph.p_offset + m.offset);
      }
    }
  }
  return std::nullopt;
}

}  // namespace lw::sites

namespace lw::sites::detail {

Dwfl_Module* report_module(Dwfl* dwfl, pid_t pid, const Module& module,
                           const std::string& proc_root, bool use_map_files) {
  bool executable = false;
  for (const Mapping& m : module.mappings) {
    executable = executable || m.executable;
  }
  if (!executable) {
    return nullptr;  // data-only mappings (locale archives, fonts) hold no code
  }
  for (const std::string& candidate :
       module_file_candidates(pid, module, proc_root, use_map_files)) {
    auto fd = open_at(AT_FDCWD, candidate.c_str(), O_RDONLY);
    if (!fd) {
      continue;
    }
    const auto bias = sites::elf_load_bias(fd->get(), module);
    if (!bias) {
      continue;
    }
    // libdwfl opens the file itself by name (and owns that descriptor).
    if (Dwfl_Module* mod =
            dwfl_report_elf(dwfl, module.path.c_str(), candidate.c_str(), -1, *bias, true)) {
      return mod;
    }
  }
  return nullptr;
}

}  // namespace lw::sites::detail
