#include "procfs/pid_statm.h"

#include <string>

#include <unistd.h>

#include <catch2/catch.hpp>

#include "procfs/pid_status.h"
#include "support/fake_root.h"

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

// What the sampler relies on (scan/status_memo.h): statm's sizes are status's VmSize, VmRSS and
// RssFile + RssShmem in pages, on the running kernel. Read statm, status, statm: when the two statm
// readings agree, nothing moved in between and the status must say the same.
TEST_CASE("statm: the running kernel's statm matches its status", "[procfs][statm]") {
  const auto page = static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
  bool compared = false;
  for (int attempt = 0; attempt < 100 && !compared; ++attempt) {
    const auto before = parse_pid_statm(testing::read_file("/proc/self/statm"));
    const auto status = parse_pid_status(testing::read_file("/proc/self/status"));
    const auto after = parse_pid_statm(testing::read_file("/proc/self/statm"));
    REQUIRE(before.has_value());
    REQUIRE(status.has_value());
    REQUIRE(after.has_value());
    if (*before != *after) {
      continue;  // memory moved while reading: try again
    }
    compared = true;
    CHECK(status->vm_size_bytes == before->size_pages * page);
    CHECK(status->vm_rss_bytes == before->resident_pages * page);
    REQUIRE(status->rss_file_bytes.has_value());
    REQUIRE(status->rss_shmem_bytes.has_value());
    CHECK(*status->rss_file_bytes + *status->rss_shmem_bytes == before->shared_pages * page);
  }
  CHECK(compared);
}
