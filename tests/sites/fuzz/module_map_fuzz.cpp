// Fuzz target for what a local user controls on the unwinding side: the text of /proc/PID/maps
// (a process names its own mappings: paths with spaces, newlines, " (deleted)") and the bytes of
// the ELF files it maps (their program headers decide the load bias).
//
// Built as a libFuzzer target with clang (-DLW_FUZZ=ON, CMAKE_CXX_COMPILER=clang++); otherwise
// as a replay program that runs every file given on the command line, plus a few thousand
// deterministic mutations of each, so ctest exercises the same entry point on every build.

#include <cstddef>
#include <cstdint>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <string_view>

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

#ifndef LW_LIBFUZZER
int main(int argc, char** argv) {
  std::mt19937 rng(20261207);
  for (int i = 1; i < argc; ++i) {
    std::ifstream in(argv[i], std::ios::binary);  // NOLINT(*-pointer-arithmetic)
    std::string seed((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (seed.empty()) {
      return 2;  // a missing seed is a broken test, not a pass
    }
    seed.resize(std::min<std::size_t>(seed.size(), 1 << 16));
    for (int round = 0; round < 2000; ++round) {
      std::string input = seed;
      std::uniform_int_distribution<std::size_t> pos(0, input.size() - 1);
      for (int k = 0; k < 1 + round % 16; ++k) {
        input[pos(rng)] = static_cast<char>(rng());
      }
      if (round % 7 == 0) {
        input.resize(pos(rng));
      }
      (void)LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(input.data()),  // NOLINT
                                   input.size());
    }
  }
  return 0;
}
#endif
