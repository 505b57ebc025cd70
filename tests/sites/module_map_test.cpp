#include "sites/module_map.h"

#include <random>
#include <sstream>

#include <fcntl.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "support/process.h"

using lw::sites::group_modules;
using lw::sites::parse_maps;
using lw::sites::parse_maps_line;

namespace {

// A PIE executable (four mappings, .bss anonymous), a library with a space in its path, a
// deleted file, the heap, vdso, an anonymous JIT-like region and the stack.
constexpr std::string_view kMaps =
    "55d0c4a00000-55d0c4a02000 r--p 00000000 fd:01 1311 /usr/bin/app\n"
    "55d0c4a02000-55d0c4a09000 r-xp 00002000 fd:01 1311 /usr/bin/app\n"
    "55d0c4a09000-55d0c4a0c000 r--p 00009000 fd:01 1311 /usr/bin/app\n"
    "55d0c4a0c000-55d0c4a0d000 rw-p 0000b000 fd:01 1311 /usr/bin/app\n"
    "55d0c4a0d000-55d0c4a0e000 rw-p 00000000 00:00 0 \n"
    "55d0c5000000-55d0c5021000 rw-p 00000000 00:00 0                          [heap]\n"
    "7f0a10000000-7f0a10001000 r--p 00000000 fd:01 77 /opt/my libs/libx.so\n"
    "7f0a10001000-7f0a10005000 r-xp 00001000 fd:01 77 /opt/my libs/libx.so\n"
    "7f0a20000000-7f0a20004000 r-xp 00000000 00:2a 99 /tmp/gone (deleted)\n"
    "7f0a30000000-7f0a30100000 rwxp 00000000 00:00 0 \n"
    "7ffd1c000000-7ffd1c021000 rw-p 00000000 00:00 0                          [stack]\n"
    "7ffd1c1f0000-7ffd1c1f2000 r-xp 00000000 00:00 0                          [vdso]\n";

}  // namespace

TEST_CASE("sites maps: a line's fields, path with spaces, deleted suffix") {
  const auto m =
      parse_maps_line("7f0a10001000-7f0a10005000 r-xp 00001000 fd:01 77 /opt/my libs/libx.so");
  REQUIRE(m.has_value());
  CHECK(m->start == 0x7f0a10001000);
  CHECK(m->end == 0x7f0a10005000);
  CHECK(m->offset == 0x1000);
  CHECK(m->readable);
  CHECK_FALSE(m->writable);
  CHECK(m->executable);
  CHECK(m->inode == 77);
  CHECK(m->path == "/opt/my libs/libx.so");
  CHECK_FALSE(m->deleted);
  CHECK(m->file_backed());

  const auto d =
      parse_maps_line("7f0a20000000-7f0a20004000 r-xp 00000000 00:2a 99 /tmp/gone (deleted)");
  REQUIRE(d.has_value());
  CHECK(d->path == "/tmp/gone");
  CHECK(d->deleted);

  const auto anon = parse_maps_line("55d0c4a0d000-55d0c4a0e000 rw-p 00000000 00:00 0 ");
  REQUIRE(anon.has_value());
  CHECK(anon->path.empty());
  CHECK_FALSE(anon->file_backed());

  const auto vdso = parse_maps_line("7ffd1c1f0000-7ffd1c1f2000 r-xp 00000000 00:00 0   [vdso]");
  REQUIRE(vdso.has_value());
  CHECK(vdso->path == "[vdso]");
  CHECK_FALSE(vdso->file_backed());
}

TEST_CASE("sites maps: malformed lines are refused and counted, the rest kept") {
  for (const char* bad : {
           "",                                                    // empty
           "55d0c4a00000 r--p 00000000 fd:01 1311 /a",            // no range
           "55d0c4a02000-55d0c4a00000 r--p 00000000 fd:01 1 /a",  // end before start
           "zz-55d0c4a02000 r--p 00000000 fd:01 1 /a",            // not hex
           "1000-2000 r-p 00000000 fd:01 1 /a",                   // perms too short
           "1000-2000 rwxq 00000000 fd:01 1 /a",                  // not p/s
           "1000-2000 r--p 0000000g fd:01 1 /a",                  // offset not hex
           "1000-2000 r--p 00000000 fd01 1 /a",                   // device without ':'
           "1000-2000 r--p 00000000 fd:01 -1 /a",                 // negative inode
           "1000-2000 r--p 00000000 fd:01",                       // no inode
           "10000000000000000000-2 r--p 0 0:0 0",                 // overflow
       }) {
    INFO(bad);
    CHECK_FALSE(parse_maps_line(bad).has_value());
  }
  const auto parsed = parse_maps("garbage\n1000-2000 r-xp 00000000 fd:01 5 /bin/x\n\nmore garbage");
  CHECK(parsed.mappings.size() == 1);
  CHECK(parsed.malformed_lines == 2);
}

TEST_CASE("sites maps: file-backed mappings grouped into modules") {
  const auto parsed = parse_maps(kMaps);
  CHECK(parsed.malformed_lines == 0);
  REQUIRE(parsed.mappings.size() == 12);
  const auto modules = group_modules(parsed.mappings);
  REQUIRE(modules.size() == 3);
  CHECK(modules[0].path == "/usr/bin/app");
  CHECK(modules[0].mappings.size() == 4);  // the anonymous .bss between does not split it
  CHECK(modules[0].low == 0x55d0c4a00000);
  CHECK(modules[0].high == 0x55d0c4a0d000);
  REQUIRE(modules[0].first.has_value());
  CHECK(modules[0].first->start == 0x55d0c4a00000);
  CHECK(modules[1].path == "/opt/my libs/libx.so");
  CHECK(modules[2].path == "/tmp/gone");
  CHECK(modules[2].deleted);
}

TEST_CASE("sites maps: the same file mapped twice is two modules") {
  const auto parsed = parse_maps(
      "1000-2000 r-xp 00000000 fd:01 5 /lib/a.so\n"
      "2000-3000 r--p 00001000 fd:01 5 /lib/a.so\n"
      "9000-a000 r-xp 00000000 fd:01 5 /lib/a.so\n");
  const auto modules = group_modules(parsed.mappings);
  REQUIRE(modules.size() == 2);
  CHECK(modules[0].high == 0x3000);
  CHECK(modules[1].low == 0x9000);
}

TEST_CASE("sites maps: where a module's file is opened from, best first") {
  const auto modules = group_modules(parse_maps(kMaps).mappings);
  const auto app = lw::sites::module_file_candidates(42, modules[0]);
  REQUIRE(app.size() == 3);
  CHECK(app[0] == "/proc/42/map_files/55d0c4a00000-55d0c4a02000");
  CHECK(app[1] == "/proc/42/root/usr/bin/app");
  CHECK(app[2] == "/usr/bin/app");
  // A deleted file is not opened by its path (another file may have taken it).
  const auto gone = lw::sites::module_file_candidates(42, modules[2], "/proc", false);
  REQUIRE(gone.size() == 1);
  CHECK(gone[0] == "/proc/42/root/tmp/gone");
}

TEST_CASE("sites maps: arbitrary bytes never crash the parser") {
  std::mt19937 rng(1234);
  std::uniform_int_distribution<int> byte(0, 255);
  std::uniform_int_distribution<int> pick(0, static_cast<int>(kMaps.size()) - 1);
  for (int round = 0; round < 2000; ++round) {
    std::string text(kMaps);
    for (int k = 0; k < 8; ++k) {  // mutate a few bytes of a real maps file
      text[static_cast<std::size_t>(pick(rng))] = static_cast<char>(byte(rng));
    }
    const auto parsed = parse_maps(text);
    CHECK(parsed.mappings.size() + parsed.malformed_lines <=
          12 + 8);  // a mutated byte may be a newline
    for (const auto& m : parsed.mappings) {
      CHECK(m.start <= m.end);
    }
    (void)group_modules(parsed.mappings);
  }
}

namespace {

lw::sites::Module module_of(std::uint64_t start, std::uint64_t offset) {
  lw::sites::Mapping m;
  m.start = start;
  m.end = start + 0x1000;
  m.offset = offset;
  m.executable = true;
  m.path = "/x";
  return {m.path, 1, false, m.start, m.end, {m}, std::nullopt};
}

struct OpenFile {
  int fd;
  explicit OpenFile(const char* path) : fd(open(path, O_RDONLY | O_CLOEXEC)) {}
  ~OpenFile() { close(fd); }
  OpenFile(const OpenFile&) = delete;
  OpenFile& operator=(const OpenFile&) = delete;
  OpenFile(OpenFile&&) = delete;
  OpenFile& operator=(OpenFile&&) = delete;
};

}  // namespace

TEST_CASE("sites maps: a PIE's load bias from the mapping of its code segment") {
  // The workload's second PT_LOAD (R E) is at file offset 0x2000, ELF address 0x2000.
  const auto [status, phdrs] = lw::testing::run_command(
      std::string("readelf -lW '") + LW_SITE_WORKLOAD + "' | grep -m2 LOAD | tail -1");
  REQUIRE(status == 0);
  std::istringstream fields(phdrs);
  std::string type;
  std::string offset;
  std::string vaddr;
  fields >> type >> offset >> vaddr;
  const std::uint64_t off = std::stoull(offset, nullptr, 16);
  const std::uint64_t va = std::stoull(vaddr, nullptr, 16);
  OpenFile f(LW_SITE_WORKLOAD);
  REQUIRE(f.fd >= 0);
  const std::uint64_t base = 0x555555554000;
  const auto bias = lw::sites::elf_load_bias(f.fd, module_of(base + va, off & ~0xfffULL));
  REQUIRE(bias.has_value());
  CHECK(*bias == base);  // mapping start - (p_vaddr - p_offset + mapping offset)
  // A mapping offset far past every segment matches none.
  CHECK_FALSE(lw::sites::elf_load_bias(f.fd, module_of(base, 0x7fff0000)).has_value());
}

TEST_CASE("sites maps: a file that is not ELF has no load bias") {
  OpenFile f("/proc/self/maps");
  REQUIRE(f.fd >= 0);
  CHECK_FALSE(lw::sites::elf_load_bias(f.fd, module_of(0x1000, 0)).has_value());
}
