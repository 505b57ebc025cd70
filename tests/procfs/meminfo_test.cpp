#include "procfs/meminfo.h"

#include <string>
#include <string_view>

#include <catch2/catch.hpp>

#include "support/fake_root.h"

using namespace lw;
using namespace lw::procfs;

namespace {

// A 3.10 kernel: no MemAvailable line (3.14+).
constexpr std::string_view kOldKernel =
    "MemTotal:        8062100 kB\n"
    "MemFree:          412340 kB\n"
    "Buffers:          102400 kB\n"
    "Cached:          2048000 kB\n"
    "SwapTotal:       2097148 kB\n"
    "SwapFree:        2000000 kB\n"
    "Shmem:             65536 kB\n"
    "HugePages_Total:       0\n"
    "Committed_AS:    9000000 kB\n"
    "AnonHugePages:    409600 kB\n";

}  // namespace

TEST_CASE("meminfo: real file captured on 6.18", "[procfs][meminfo]") {
  const auto m = parse_meminfo(testing::fixture("proc/meminfo"));
  REQUIRE(m.has_value());
  CHECK(m->mem_total_bytes == 24684092ULL * 1024);
  CHECK(m->mem_free_bytes == 24232752ULL * 1024);
  CHECK(m->mem_available_bytes == 24341732ULL * 1024);
  CHECK(m->swap_total_bytes == 0u);
  CHECK(m->swap_free_bytes == 0u);
  CHECK(m->anon_huge_pages_bytes == 0u);
  CHECK(m->committed_as_bytes == 63156ULL * 1024);
  CHECK(m->shmem_bytes == 8856ULL * 1024);
}

TEST_CASE("meminfo: MemAvailable is absent before 3.14, not zero", "[procfs][meminfo]") {
  const auto m = parse_meminfo(kOldKernel);
  REQUIRE(m.has_value());
  CHECK(m->mem_total_bytes == 8062100ULL * 1024);
  CHECK(m->mem_free_bytes == 412340ULL * 1024);
  CHECK_FALSE(m->mem_available_bytes.has_value());
  CHECK(m->swap_total_bytes == 2097148ULL * 1024);
  CHECK(m->swap_free_bytes == 2000000ULL * 1024);
  CHECK(m->shmem_bytes == 65536ULL * 1024);
  CHECK(m->committed_as_bytes == 9000000ULL * 1024);
  CHECK(m->anon_huge_pages_bytes == 409600ULL * 1024);
}

TEST_CASE("meminfo: ShmemHugePages does not overwrite Shmem", "[procfs][meminfo]") {
  const auto m = parse_meminfo(
      "MemTotal:\t10 kB\nShmem:\t  3 kB\nShmemHugePages:\t 7 kB\nShmemPmdMapped: 9 kB\n");
  REQUIRE(m.has_value());
  CHECK(m->shmem_bytes == 3u * 1024);
}

TEST_CASE("meminfo: a bad value on a known key is an error", "[procfs][meminfo]") {
  using Case = std::pair<std::string_view, std::string_view>;
  const Case c =
      GENERATE(Case{"MemFree:  12\n", "MemFree"}, Case{"MemAvailable: -1 kB\n", "MemAvailable"},
               Case{"SwapFree:   kB\n", "SwapFree"}, Case{"Shmem: 1 MB\n", "Shmem"},
               Case{"Committed_AS: 1e3 kB\n", "Committed_AS"},
               Case{"MemTotal: 18446744073709551615 kB\n", "MemTotal"});
  const auto m = parse_meminfo("MemTotal:  100 kB\n" + std::string(c.first));
  REQUIRE_FALSE(m.has_value());
  CHECK(m.error().kind == ErrorKind::kMalformed);
  CHECK(m.error().detail == "meminfo: bad value for " + std::string(c.second));
}

TEST_CASE("meminfo: MemTotal is required", "[procfs][meminfo]") {
  const auto m = parse_meminfo("MemFree:  12 kB\n");
  REQUIRE_FALSE(m.has_value());
  CHECK(m.error().detail == "meminfo: no MemTotal line");
}

TEST_CASE("meminfo: truncated input never throws", "[procfs][meminfo]") {
  const std::string real = testing::fixture("proc/meminfo");
  for (std::size_t n = 0; n <= real.size(); ++n) {
    CHECK_NOTHROW(parse_meminfo(std::string_view(real).substr(0, n)));
  }
}
