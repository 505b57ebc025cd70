#include "sites/target.h"

#include <algorithm>
#include <cstring>
#include <string_view>

#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <unistd.h>

#include "base/fd.h"

namespace lw::sites {

namespace {

// Maps a defined function symbol's address to its file offset through the PT_LOAD segments.
std::optional<std::uint64_t> file_offset(Elf* elf, std::uint64_t addr) {
  std::size_t n = 0;
  if (elf_getphdrnum(elf, &n) != 0) {
    return std::nullopt;
  }
  for (std::size_t i = 0; i < n; ++i) {
    GElf_Phdr ph;
    if (gelf_getphdr(elf, static_cast<int>(i), &ph) != nullptr && ph.p_type == PT_LOAD &&
        addr >= ph.p_vaddr && addr - ph.p_vaddr < ph.p_filesz) {
      return addr - ph.p_vaddr + ph.p_offset;
    }
  }
  return std::nullopt;
}

void scan_symbols(Elf* elf, Elf_Scn* scn, const GElf_Shdr& sh, const std::string& prefix,
                  ElfFacts& facts) {
  Elf_Data* data = elf_getdata(scn, nullptr);
  if (data == nullptr || sh.sh_entsize == 0) {
    return;
  }
  const std::size_t count = sh.sh_size / sh.sh_entsize;
  for (std::size_t i = 0; i < count; ++i) {
    GElf_Sym sym;
    if (gelf_getsym(data, static_cast<int>(i), &sym) == nullptr) {
      break;
    }
    const char* name = elf_strptr(elf, sh.sh_link, sym.st_name);
    if (name == nullptr) {
      continue;
    }
    const std::string_view nm(name);
    if (nm == "runtime.main") {
      facts.go = true;
    }
    if (GELF_ST_TYPE(sym.st_info) != STT_FUNC || sym.st_shndx == SHN_UNDEF ||
        !nm.starts_with(prefix)) {
      continue;
    }
    const auto bare = nm.substr(prefix.size());
    for (std::size_t s = 0; s < kAllocSymbolCount; ++s) {
      if (bare == symbol_name(static_cast<AllocSymbol>(s)) && !facts.offsets.at(s)) {
        facts.offsets.at(s) = file_offset(elf, sym.st_value);
      }
    }
  }
}

bool has_interp(Elf* elf) {
  std::size_t n = 0;
  if (elf_getphdrnum(elf, &n) != 0) {
    return false;
  }
  for (std::size_t i = 0; i < n; ++i) {
    GElf_Phdr ph;
    if (gelf_getphdr(elf, static_cast<int>(i), &ph) != nullptr && ph.p_type == PT_INTERP) {
      return true;
    }
  }
  return false;
}

std::string base_name(const std::string& path) {
  const auto slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

}  // namespace

Result<ElfFacts> read_elf_facts(const std::string& path, const std::string& symbol_prefix) {
  const int raw = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (raw < 0) {
    const int e = errno;
    return Error{e == EACCES || e == EPERM ? ErrorKind::kDenied : ErrorKind::kGone,
                 path + ": " + std::strerror(e)};  // NOLINT(concurrency-mt-unsafe)
  }
  const UniqueFd fd(raw);
  elf_version(EV_CURRENT);
  Elf* elf = elf_begin(fd.get(), ELF_C_READ_MMAP, nullptr);
  if (elf == nullptr || elf_kind(elf) != ELF_K_ELF) {
    if (elf != nullptr) {
      elf_end(elf);
    }
    return malformed(path + ": not an ELF file");
  }
  ElfFacts facts;
  facts.interp = has_interp(elf);
  std::size_t shstrndx = 0;
  if (elf_getshdrstrndx(elf, &shstrndx) == 0) {
    for (Elf_Scn* scn = elf_nextscn(elf, nullptr); scn != nullptr; scn = elf_nextscn(elf, scn)) {
      GElf_Shdr sh;
      if (gelf_getshdr(scn, &sh) == nullptr) {
        continue;
      }
      const char* name = elf_strptr(elf, shstrndx, sh.sh_name);
      if (name != nullptr &&
          (std::strcmp(name, ".go.buildinfo") == 0 || std::strcmp(name, ".gopclntab") == 0)) {
        facts.go = true;
      }
      if (sh.sh_type == SHT_DYNSYM || sh.sh_type == SHT_SYMTAB) {
        scan_symbols(elf, scn, sh, symbol_prefix, facts);
      }
    }
  }
  elf_end(elf);
  return facts;
}

namespace {

struct Candidate {
  const Module* module = nullptr;
  std::string open_path;
  ElfFacts facts;
};

// Reads an object through the first of its open paths that works.
Result<Candidate> inspect(pid_t pid, const Module& m, const TargetOptions& opts) {
  Error last{ErrorKind::kGone, m.path + ": no path to open"};
  for (const auto& p : module_file_candidates(pid, m, opts.proc_root)) {
    auto facts = read_elf_facts(p, opts.symbol_prefix);
    if (facts) {
      return Candidate{&m, p, *facts};
    }
    last = facts.error();
  }
  return last;
}

bool defines_malloc(const ElfFacts& f) {
  return f.offsets.at(static_cast<std::size_t>(AllocSymbol::kMalloc)).has_value();
}

AllocatorTarget make_target(const Candidate& c) {
  AllocatorTarget t;
  t.module = c.module->path;
  t.open_path = c.open_path;
  for (std::size_t i = 0; i < kAllocSymbolCount; ++i) {
    const auto& off = c.facts.offsets.at(i);
    if (!off) {
      continue;
    }
    std::size_t alias = i;
    for (std::size_t j = 0; j < i; ++j) {
      if (t.offsets.at(j) == off) {
        alias = j;
      }
    }
    if (alias != i) {
      t.notes.push_back(std::string(symbol_name(static_cast<AllocSymbol>(i))) + " is " +
                        symbol_name(static_cast<AllocSymbol>(alias)) + " (same address)");
      continue;
    }
    t.offsets.at(i) = off;
  }
  return t;
}

}  // namespace

Result<AllocatorTarget> find_allocator(pid_t pid, const std::vector<Mapping>& maps,
                                       const TargetOptions& opts) {
#if !defined(__x86_64__)
  return malformed("allocation-site attribution supports x86_64 only");
#endif
  const auto objs = group_modules(maps);  // by address: the executable first
  for (const auto& m : objs) {
    const auto name = base_name(m.path);
    if (name.starts_with("ld-musl") || name.starts_with("libc.musl")) {
      return malformed("musl target (" + m.path +
                       "): musl's allocator is not supported, only glibc's, jemalloc and tcmalloc");
    }
  }
  if (objs.empty()) {
    return malformed("the process maps no file (a kernel thread?)");
  }
  auto exe = inspect(pid, objs.front(), opts);
  if (!exe) {
    return exe.error();
  }
  if (exe->facts.go) {
    return malformed("Go program (" + objs.front().path +
                     "): uretprobes corrupt Go stacks, and Go's heap is not malloc's");
  }
  if (defines_malloc(exe->facts)) {
    return make_target(*exe);
  }
  if (!exe->facts.interp) {
    return malformed("static binary without allocator symbols (" + objs.front().path +
                     " defines no malloc; stripped?)");
  }
  std::optional<Candidate> libc;
  for (std::size_t i = 1; i < objs.size(); ++i) {
    const auto name = base_name(objs[i].path);
    const bool preferred =
        std::any_of(opts.allocator_libraries.begin(), opts.allocator_libraries.end(),
                    [&](const std::string& lib) { return name.find(lib) != std::string::npos; });
    const bool is_libc = name.starts_with("libc.so") || name.starts_with("libc-");
    if (!preferred && !is_libc) {
      continue;
    }
    auto c = inspect(pid, objs[i], opts);
    if (!c) {
      return c.error();
    }
    if (preferred && defines_malloc(c->facts)) {
      return make_target(*c);
    }
    if (is_libc && defines_malloc(c->facts)) {
      libc = std::move(*c);
    }
  }
  if (!libc) {
    return malformed(
        "no mapped object defines malloc (no glibc libc.so.6, and no library named "
        "in attribution.allocator_libraries)");
  }
  return make_target(*libc);
}

}  // namespace lw::sites
