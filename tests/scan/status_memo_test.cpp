// refresh_status (scan/status_memo.h): status is read again only when statm moved, when the
// last reading was of a moving process, or on the process's refresh scan; and on a real process
// the sampler never reports stale memory after it moved.

#include "scan/status_memo.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "scan/process_sampler.h"
#include "support/fake_root.h"

using namespace lw;
using namespace lw::scan;

namespace {

constexpr std::uint64_t kPage = 4096;
constexpr int kPid = 40;  // (scan + 40) % 10 == 0 on scans 10, 20, ...: the refresh scans

std::string status_text(std::uint64_t rss_kib, std::uint64_t swap_kib = 0) {
  return "Name:\tx\nUid:\t1000\t1000\t1000\t1000\nVmSize:\t   10000 kB\nVmRSS:\t    " +
         std::to_string(rss_kib) + " kB\nRssAnon:\t    " + std::to_string(rss_kib - 400) +
         " kB\nRssFile:\t     400 kB\nRssShmem:\t       0 kB\nVmSwap:\t    " +
         std::to_string(swap_kib) + " kB\n";
}

// statm as the kernel prints it for status_text(rss_kib): pages of 4 KiB.
std::string statm_text(std::uint64_t rss_kib) {
  return "2500 " + std::to_string(rss_kib / 4) + " 100 1 0 50 0\n";
}

struct Reader {
  testing::FakeRoot root;
  UniqueFd dir;
  StatusMemo memo;
  ReadBuffer buf;

  Reader() {
    root.file("p/status", status_text(2000)).file("p/statm", statm_text(2000));
    dir = std::move(*open_at(AT_FDCWD, (root / "p").c_str(), O_RDONLY | O_DIRECTORY));
  }
  // True when status was read this scan.
  bool read(std::uint64_t scan) {
    auto r = refresh_status(dir.get(), kPid, scan, kPage, buf, memo);
    REQUIRE(r.has_value());
    return *r;
  }
  std::uint64_t kib() const { return *memo.status.vm_rss_bytes / 1024; }
  std::uint64_t swap() const { return *memo.status.vm_swap_bytes; }
};

}  // namespace

TEST_CASE("status memo: a still process is probed with statm, its last status reused",
          "[scan][status_memo]") {
  Reader r;
  CHECK(r.read(1));  // first sight: status
  CHECK(r.kib() == 2000);
  // status changes behind a statm that does not: the reading is reused (statm is what the kernel
  // keeps in step with status; this proves status was not read).
  r.root.file("p/status", status_text(2000, 64));
  for (std::uint64_t scan = 2; scan < 10; ++scan) {
    CHECK_FALSE(r.read(scan));
    CHECK(r.swap() == 0u);
  }
  // The refresh scan reads status whatever statm says: swap freed in place is at most 10 scans old.
  CHECK(r.read(10));
  CHECK(r.swap() == 64u * 1024);
}

TEST_CASE("status memo: statm that moved reads status, and a moving process skips statm",
          "[scan][status_memo]") {
  Reader r;
  (void)r.read(1);
  CHECK_FALSE(r.read(2));
  r.root.file("p/status", status_text(3000)).file("p/statm", statm_text(3000));
  CHECK(r.read(3));
  CHECK(r.kib() == 3000);
  CHECK(r.memo.moving);
  // Moving: status is read directly next scan, even with statm left behind.
  r.root.file("p/status", status_text(3500));
  CHECK(r.read(4));
  CHECK(r.kib() == 3500);
  // 3500 differs from 3000: still moving; then the same twice: still, and statm stands in again.
  r.root.file("p/statm", statm_text(3500));
  CHECK(r.read(5));
  CHECK_FALSE(r.memo.moving);
  CHECK_FALSE(r.read(6));
}

TEST_CASE("status memo: without a usable statm, status every scan", "[scan][status_memo]") {
  SECTION("statm missing (a fixture tree)") {
    Reader r;
    r.root.remove("p/statm");
    for (std::uint64_t scan = 1; scan < 5; ++scan) {
      CHECK(r.read(scan));
    }
  }
  SECTION("statm malformed") {
    Reader r;
    r.root.file("p/statm", "garbage\n");
    for (std::uint64_t scan = 1; scan < 5; ++scan) {
      CHECK(r.read(scan));
    }
  }
  SECTION("status without RssFile (a kernel before 4.5): statm cannot be checked against it") {
    Reader r;
    r.root.file("p/status", "Name:\tx\nVmSize:\t   10000 kB\nVmRSS:\t    2000 kB\n");
    CHECK(r.read(1));
    CHECK_FALSE(r.memo.statm.has_value());
    CHECK(r.read(2));
  }
}

TEST_CASE("status memo: status errors are reported, statm's never; the memo is kept",
          "[scan][status_memo]") {
  Reader r;
  (void)r.read(1);
  r.root.remove("p/statm").remove("p/status");
  const auto gone = refresh_status(r.dir.get(), kPid, 2, kPage, r.buf, r.memo);
  REQUIRE_FALSE(gone.has_value());
  CHECK(gone.error().kind == ErrorKind::kGone);
  CHECK(r.kib() == 2000);
}

// The real sampler over the real /proc: a child that grows by 8 MiB before each of 12 scans (every
// phase of the refresh cycle) is seen grown on every one of them.
TEST_CASE("status memo: a real process's growth is seen on the very next scan",
          "[scan][status_memo]") {
  int to_child[2];
  int from_child[2];
  REQUIRE(::pipe(to_child) == 0);
  REQUIRE(::pipe(from_child) == 0);
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    ::close(to_child[1]);  // so the read below sees EOF when the parent closes its end
    ::close(from_child[0]);
    char c = 0;
    while (::read(to_child[0], &c, 1) == 1) {
      constexpr std::size_t kChunk = 8 << 20;
      void* p = ::mmap(nullptr, kChunk, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
      if (p != MAP_FAILED) {
        std::memset(p, 1, kChunk);
      }
      (void)::write(from_child[1], &c, 1);
    }
    ::_exit(0);
  }
  ::close(to_child[0]);
  ::close(from_child[1]);
  ProcessSampler sampler(
      ProcessSamplerOptions{.page_size = static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE))});
  REQUIRE(sampler.open().has_value());
  const auto anon_of_child = [&] {
    std::vector<model::ProcessSample> out;
    model::ScanStats stats;
    sampler.sample(model::SteadyTime{}, out, stats);
    const auto it = std::find_if(out.begin(), out.end(),
                                 [&](const model::ProcessSample& p) { return p.id.pid == child; });
    return it == out.end() ? std::uint64_t{0} : it->anon_bytes.value_or(0);
  };
  std::uint64_t last = 0;
  for (int i = 0; i < 3; ++i) {
    last = anon_of_child();  // a few still scans: the child is on the statm probe
  }
  REQUIRE(last > 0);
  for (int i = 0; i < 12; ++i) {
    char c = 'g';
    REQUIRE(::write(to_child[1], &c, 1) == 1);
    REQUIRE(::read(from_child[0], &c, 1) == 1);
    const std::uint64_t now = anon_of_child();
    INFO("scan " << i << ": " << last << " -> " << now);
    CHECK(now >= last + (8u << 20));
    last = now;
  }
  ::close(to_child[1]);
  ::close(from_child[0]);
  int status = 0;
  CHECK(::waitpid(child, &status, 0) == child);
}
