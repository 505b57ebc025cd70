#include "procfs/pid_status.h"

#include <string>
#include <string_view>

#include <catch2/catch.hpp>

#include "support/fake_root.h"

using namespace lw;
using namespace lw::procfs;

namespace {

// Trimmed from a real /proc/<pid>/status; tabs and padding as the kernel prints them.
constexpr std::string_view kUserProcess =
    "Name:\tpython3\n"
    "Umask:\t0022\n"
    "State:\tS (sleeping)\n"
    "Uid:\t1000\t1001\t1002\t1003\n"
    "Gid:\t1000\t1000\t1000\t1000\n"
    "VmPeak:\t  812344 kB\n"
    "VmSize:\t  812340 kB\n"
    "VmRSS:\t  524288 kB\n"
    "RssAnon:\t  501760 kB\n"
    "RssFile:\t   22528 kB\n"
    "RssShmem:\t       0 kB\n"
    "VmSwap:\t    1024 kB\n"
    "Threads:\t4\n";

}  // namespace

TEST_CASE("status: real file captured on 6.18", "[procfs][status]") {
  const auto s = parse_pid_status(testing::fixture("proc/5654/status"));
  REQUIRE(s.has_value());
  CHECK(s->name == "sleep");
  CHECK(s->real_uid == 0u);
  CHECK(s->vm_size_bytes == 2920u * 1024);
  CHECK(s->vm_rss_bytes == 1796u * 1024);
  CHECK(s->rss_anon_bytes == 108u * 1024);
  CHECK(s->rss_file_bytes == 1688u * 1024);
  CHECK(s->rss_shmem_bytes == 0u);
  CHECK(s->vm_swap_bytes == 0u);
}

TEST_CASE("status: memory lines become bytes", "[procfs][status]") {
  const auto s = parse_pid_status(kUserProcess);
  REQUIRE(s.has_value());
  CHECK(s->name == "python3");
  CHECK(s->real_uid == 1000u);  // the first of real, effective, saved, fs
  CHECK(s->vm_size_bytes == 812340u * 1024);
  CHECK(s->vm_rss_bytes == 524288u * 1024);
  CHECK(s->rss_anon_bytes == 501760u * 1024);
  CHECK(s->rss_file_bytes == 22528u * 1024);
  CHECK(s->rss_shmem_bytes == 0u);  // present and zero ...
  CHECK(s->vm_swap_bytes == 1024u * 1024);
}

TEST_CASE("status: kernel threads have no memory lines", "[procfs][status]") {
  const auto s = parse_pid_status("Name:\tkworker/0:1\nState:\tI (idle)\nUid:\t0\t0\t0\t0\n");
  REQUIRE(s.has_value());
  CHECK(s->name == "kworker/0:1");
  CHECK_FALSE(s->vm_rss_bytes.has_value());  // ... is not the same as absent
  CHECK_FALSE(s->vm_size_bytes.has_value());
  CHECK_FALSE(s->rss_anon_bytes.has_value());
  CHECK_FALSE(s->vm_swap_bytes.has_value());
}

TEST_CASE("status: kernels before 4.5 have no RssAnon", "[procfs][status]") {
  const auto s = parse_pid_status("Name:\told\nVmRSS:\t     100 kB\nVmSwap:\t       0 kB\n");
  REQUIRE(s.has_value());
  CHECK(s->vm_rss_bytes == 100u * 1024);
  CHECK_FALSE(s->rss_anon_bytes.has_value());
  CHECK_FALSE(s->real_uid.has_value());
}

TEST_CASE("status: the name keeps inner and outer spaces", "[procfs][status]") {
  const auto s = parse_pid_status("Name:\t Web Content \nVmRSS:\t1 kB\n");
  REQUIRE(s.has_value());
  CHECK(s->name == " Web Content ");
}

TEST_CASE("status: a bad value on a known key is an error, not a zero", "[procfs][status]") {
  using Case = std::pair<std::string_view, std::string_view>;
  const Case c =
      GENERATE(Case{"VmRSS:\t12 MB\n", "VmRSS"}, Case{"VmRSS:\t-5 kB\n", "VmRSS"},
               Case{"VmRSS:\tkB\n", "VmRSS"}, Case{"VmRSS:\t\n", "VmRSS"},
               Case{"VmRSS:\t99999999999999999999 kB\n", "VmRSS"},
               Case{"VmRSS:\t12 kB extra\n", "VmRSS"}, Case{"RssAnon:\t1.5 kB\n", "RssAnon"},
               Case{"RssFile:\t 0x10 kB\n", "RssFile"}, Case{"RssShmem:\t1\n", "RssShmem"},
               Case{"VmSwap:\tnone\n", "VmSwap"}, Case{"VmSize:\t1 kb\n", "VmSize"},
               Case{"Uid:\t0\t0\t0\n", "Uid"}, Case{"Uid:\t0\t0\t0\t0\t0\n", "Uid"},
               Case{"Uid:\t-1\t0\t0\t0\n", "Uid"}, Case{"Uid:\t4294967296\t0\t0\t0\n", "Uid"});
  const auto s = parse_pid_status("Name:\tx\n" + std::string(c.first));
  REQUIRE_FALSE(s.has_value());
  CHECK(s.error().kind == ErrorKind::kMalformed);
  CHECK(s.error().detail == "status: bad value for " + std::string(c.second));
}

TEST_CASE("status: no Name line is malformed", "[procfs][status]") {
  const auto s = parse_pid_status("VmRSS:\t1 kB\n");
  REQUIRE_FALSE(s.has_value());
  CHECK(s.error().kind == ErrorKind::kMalformed);
  CHECK(s.error().detail == "status: no Name line");
}

TEST_CASE("status: truncated or empty input never throws", "[procfs][status]") {
  const std::string real = testing::fixture("proc/5654/status");
  for (const std::string_view text : {kUserProcess, std::string_view(real)}) {
    for (std::size_t n = 0; n <= text.size(); ++n) {
      CHECK_NOTHROW(parse_pid_status(text.substr(0, n)));
    }
  }
}
