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

std::string status_text(std::uint64_t rss_kib, std::uint64_t swap_kib = 0,
                        std::uint64_t file_kib = 400) {
  return "Name:\tx\nUid:\t1000\t1000\t1000\t1000\nVmSize:\t   10000 kB\nVmRSS:\t    " +
         std::to_string(rss_kib) + " kB\nRssAnon:\t    " + std::to_string(rss_kib - file_kib) +
         " kB\nRssFile:\t     " + std::to_string(file_kib) +
         " kB\nRssShmem:\t       0 kB\nVmSwap:\t    " + std::to_string(swap_kib) + " kB\n";
}

// statm as the kernel prints it for status_text(rss_kib, _, file_kib): pages of 4 KiB.
std::string statm_text(std::uint64_t rss_kib, std::uint64_t file_kib = 400) {
  return "2500 " + std::to_string(rss_kib / 4) + " " + std::to_string(file_kib / 4) + " 1 0 50 0\n";
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
  bool swap_off = false;  // a host with swap unless a test says otherwise

  StatusSource refresh(std::uint64_t scan) {
    auto r = refresh_status(dir.get(), kPid,
                            {.scan = scan, .page_size = kPage, .swap_off = swap_off}, buf, memo);
    REQUIRE(r.has_value());
    return *r;
  }
  // True when status was read this scan.
  bool read(std::uint64_t scan) { return refresh(scan) == StatusSource::kRead; }
  std::uint64_t kib() const { return *memo.status.vm_rss_bytes / 1024; }
  std::uint64_t swap() const { return *memo.status.vm_swap_bytes; }
};

// RssAnon of a live process, read from its status now.
std::uint64_t rss_anon_of(pid_t pid) {
  ReadBuffer buf;
  const auto status = read_parsed(AT_FDCWD, ("/proc/" + std::to_string(pid) + "/status").c_str(),
                                  buf, procfs::parse_pid_status);
  REQUIRE(status.has_value());
  return status->rss_anon_bytes.value_or(0);
}

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

TEST_CASE("status memo: without swap, a move of anonymous memory is read from statm alone",
          "[scan][status_memo]") {
  Reader r;
  r.swap_off = true;
  CHECK(r.read(1));
  // A busy heap: statm moves every scan, its file pages do not. status (left stale behind it) is
  // not read; the reading follows statm exactly, RssAnon = VmRSS - RssFile - RssShmem.
  for (std::uint64_t scan = 2; scan < 10; ++scan) {
    const std::uint64_t rss = 2000 + 100 * scan;
    r.root.file("p/statm", statm_text(rss));
    CHECK(r.refresh(scan) == StatusSource::kUpdated);
    CHECK(r.kib() == rss);
    CHECK(*r.memo.status.rss_anon_bytes == (rss - 400) * 1024);
    CHECK(*r.memo.status.rss_file_bytes == 400u * 1024);
    CHECK(*r.memo.status.vm_size_bytes == 10000u * 1024);
  }
  // The refresh scan reads status; it differs from the reading only in what statm showed, so the
  // process is not "moving" and the next scan probes statm again.
  r.root.file("p/status", status_text(2960)).file("p/statm", statm_text(2960));
  CHECK(r.read(10));
  CHECK_FALSE(r.memo.moving);
  r.root.file("p/statm", statm_text(3000));
  CHECK(r.refresh(11) == StatusSource::kUpdated);
  CHECK(r.kib() == 3000);
}

TEST_CASE("status memo: without swap, moved file pages read status until they settle",
          "[scan][status_memo]") {
  Reader r;
  r.swap_off = true;
  (void)r.read(1);
  // RssFile + RssShmem moved: statm cannot split the move, status is read.
  r.root.file("p/status", status_text(2400, 0, 800)).file("p/statm", statm_text(2400, 800));
  CHECK(r.read(2));
  CHECK(*r.memo.status.rss_file_bytes == 800u * 1024);
  CHECK(r.memo.moving);
  // Still moving: status directly (statm not even probed: it is left unchanged here).
  r.root.file("p/status", status_text(2800, 0, 1200));
  CHECK(r.read(3));
  CHECK(*r.memo.status.rss_file_bytes == 1200u * 1024);
  // The file pages settle: one more status read finds them unchanged, then statm stands in.
  r.root.file("p/statm", statm_text(2900, 1200)).file("p/status", status_text(2900, 0, 1200));
  CHECK(r.read(4));
  CHECK_FALSE(r.memo.moving);
  r.root.file("p/statm", statm_text(3100, 1200));
  CHECK(r.refresh(5) == StatusSource::kUpdated);
  CHECK(*r.memo.status.rss_anon_bytes == (3100u - 1200) * 1024);
}

TEST_CASE("status memo: swap in use, or a host with swap, reads status for every move",
          "[scan][status_memo]") {
  SECTION("a host with swap: VmSwap is status's alone") {
    Reader r;
    (void)r.read(1);
    r.root.file("p/statm", statm_text(2100));
    CHECK(r.read(2));
  }
  SECTION("the last reading had swap (a host whose swap was just turned off)") {
    Reader r;
    r.swap_off = true;
    r.root.file("p/status", status_text(2000, 64));
    (void)r.read(1);
    r.root.file("p/statm", statm_text(2100));
    CHECK(r.read(2));
  }
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
  const auto gone =
      refresh_status(r.dir.get(), kPid, {.scan = 2, .page_size = kPage}, r.buf, r.memo);
  REQUIRE_FALSE(gone.has_value());
  CHECK(gone.error().kind == ErrorKind::kGone);
  CHECK(r.kib() == 2000);
}

// The real sampler over the real /proc: a child that grows by 8 MiB before each of 12 scans (every
// phase of the refresh cycle) is seen grown on every one of them, by exactly what its status says.
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
    (void)sampler.sample_system(
        stats);  // as the daemon does: first, it tells whether there is swap
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
    // Exactly what status says now (the child waits for the next byte): whether this scan read
    // status or, on a host without swap, brought the reading up to date from statm.
    CHECK(now == rss_anon_of(child));
    last = now;
  }
  ::close(to_child[1]);
  ::close(from_child[0]);
  int status = 0;
  CHECK(::waitpid(child, &status, 0) == child);
}
