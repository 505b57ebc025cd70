#include "procfs/pid_statm.h"

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include <fcntl.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "procfs/pid_status.h"

using namespace lw;
using namespace lw::procfs;

TEST_CASE("statm: the first three page counts", "[procfs][statm]") {
  const auto s = parse_pid_statm("731 452 387 6 0 98 0\n");
  REQUIRE(s.has_value());
  CHECK(s->size_pages == 731u);
  CHECK(s->resident_pages == 452u);
  CHECK(s->shared_pages == 387u);
  const auto kernel_thread = parse_pid_statm("0 0 0 0 0 0 0\n");
  REQUIRE(kernel_thread.has_value());
  CHECK(*kernel_thread == PidStatm{});
  CHECK(parse_pid_statm("1 2 3").has_value());  // no newline, fewer fields: the three suffice
}

TEST_CASE("statm: anything else is malformed", "[procfs][statm]") {
  for (const char* bad : {"", "\n", "1 2\n", "1 x 3 4 5 6 7\n", "-1 2 3 4 5 6 7\n",
                          "1 2 99999999999999999999999 4 5 6 7\n", "1,2,3\n"}) {
    INFO(bad);
    const auto s = parse_pid_statm(bad);
    REQUIRE_FALSE(s.has_value());
    CHECK(s.error().kind == ErrorKind::kMalformed);
  }
}

namespace {

// Reads a whole /proc file into `buf` with plain syscalls: nothing is allocated between the reads
// of the test below, so its own memory cannot move between them (an allocator that hands out fresh
// pages, as ASan's does, would otherwise move VmRSS on every attempt).
std::string_view read_into(const char* path, std::array<char, 8192>& buf) {
  const int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return {};
  }
  std::size_t used = 0;
  for (ssize_t n = 1; n > 0 && used < buf.size();) {
    n = ::read(fd, buf.data() + used, buf.size() - used);
    used += n > 0 ? static_cast<std::size_t>(n) : 0;
  }
  ::close(fd);
  return {buf.data(), used};
}

}  // namespace

// What the sampler relies on (scan/status_memo.h): statm's sizes are status's VmSize, VmRSS and
// RssFile + RssShmem in pages, on the running kernel. Read statm, status, statm: when the two statm
// readings agree, nothing moved in between and the status must say the same.
TEST_CASE("statm: the running kernel's statm matches its status", "[procfs][statm]") {
  const auto page = static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
  static std::array<char, 8192> before_text{};
  static std::array<char, 8192> status_text{};
  static std::array<char, 8192> after_text{};
  bool compared = false;
  for (int attempt = 0; attempt < 100 && !compared; ++attempt) {
    const std::string_view before_view = read_into("/proc/self/statm", before_text);
    const std::string_view status_view = read_into("/proc/self/status", status_text);
    const std::string_view after_view = read_into("/proc/self/statm", after_text);
    const auto before = parse_pid_statm(before_view);
    const auto after = parse_pid_statm(after_view);
    REQUIRE(before.has_value());
    REQUIRE(after.has_value());
    if (*before != *after) {
      continue;  // memory moved while reading: try again
    }
    const auto status = parse_pid_status(status_view);
    REQUIRE(status.has_value());
    compared = true;
    CHECK(status->vm_size_bytes == before->size_pages * page);
    CHECK(status->vm_rss_bytes == before->resident_pages * page);
    REQUIRE(status->rss_file_bytes.has_value());
    REQUIRE(status->rss_shmem_bytes.has_value());
    CHECK(*status->rss_file_bytes + *status->rss_shmem_bytes == before->shared_pages * page);
  }
  CHECK(compared);
}
