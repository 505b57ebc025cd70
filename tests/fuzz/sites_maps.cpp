// Fuzz target for what a local user controls on the unwinding side: the text of /proc/PID/maps
// (a process names its own mappings: paths with spaces, newlines, " (deleted)") and the bytes of
// the ELF files it maps (their program headers decide the load bias).
//
// One of tests/fuzz's targets (lw_fuzz_target): libFuzzer with clang and LW_FUZZ=ON, otherwise
// the corpus replayed by ctest (fuzz-replay:sites_maps). Seeds: maps texts and a stripped ELF.

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include <sys/mman.h>
#include <unistd.h>

#include "sites/module_map.h"

namespace {

// The bytes as an ELF file mapped by every module the same bytes describe as maps text.
void run_elf(const std::uint8_t* data, std::size_t size,
             const std::vector<lw::sites::Module>& modules) {
  const int fd = memfd_create("lw-fuzz-elf", MFD_CLOEXEC);
  if (fd < 0) {
    return;
  }
  if (write(fd, data, size) == static_cast<ssize_t>(size)) {
    lw::sites::Mapping m;
    m.start = 0x400000;
    m.end = 0x401000;
    m.executable = true;
    m.path = "/fuzz";
    (void)lw::sites::elf_load_bias(fd, {m.path, 1, false, m.start, m.end, {m}, m});
    for (const auto& module : modules) {
      (void)lw::sites::elf_load_bias(fd, module);
    }
  }
  close(fd);
}

}  // namespace

// NOLINTNEXTLINE(readability-identifier-naming): libFuzzer's entry point
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data),
                              size);  // NOLINT(*-reinterpret-cast)
  const auto parsed = lw::sites::parse_maps(text);
  const auto modules = lw::sites::group_modules(parsed.mappings);
  for (const auto& module : modules) {
    (void)lw::sites::module_file_candidates(1, module);
  }
  run_elf(data, size, modules);
  return 0;
}
