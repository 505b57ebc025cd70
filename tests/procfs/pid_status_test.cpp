#include "procfs/pid_status.h"

#include <algorithm>
#include <array>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include <catch2/catch.hpp>

#include "base/keyed.h"
#include "base/text.h"
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

TEST_CASE("status: kept keys in another order give the same fields", "[procfs][status]") {
  // Reversed, with unknown keys and lines of other shapes in between: the scan stops when all
  // eight keys were seen, whatever order a kernel prints them in.
  const auto s = parse_pid_status(
      "Threads:\t4\n"
      "VmSwap:\t    1024 kB\n"
      "RssShmem:\t       0 kB\n"
      "no colon here\n"
      "RssFile:\t   22528 kB\n"
      "RssAnon:\t  501760 kB\n"
      "VmRSS:\t  524288 kB\n"
      "VmPeak:\t  812344 kB\n"
      "VmSize:\t  812340 kB\n"
      "Gid:\t1000\t1000\t1000\t1000\n"
      "Uid:\t1000\t1001\t1002\t1003\n"
      "Umask:\t0022\n"
      "Name:\tpython3\n");
  const auto expected = parse_pid_status(kUserProcess);
  REQUIRE(s.has_value());
  REQUIRE(expected.has_value());
  CHECK(s->name == expected->name);
  CHECK(s->real_uid == expected->real_uid);
  CHECK(s->vm_size_bytes == expected->vm_size_bytes);
  CHECK(s->vm_rss_bytes == expected->vm_rss_bytes);
  CHECK(s->rss_anon_bytes == expected->rss_anon_bytes);
  CHECK(s->rss_file_bytes == expected->rss_file_bytes);
  CHECK(s->rss_shmem_bytes == expected->rss_shmem_bytes);
  CHECK(s->vm_swap_bytes == expected->vm_swap_bytes);
}

TEST_CASE("status: a kept key on the last line is read, with keys missing or not",
          "[procfs][status]") {
  // Missing keys never complete the set, so the scan reads to the end; with all present, the
  // last one to appear still counts.
  const auto missing = parse_pid_status("VmSwap:\t0 kB\nThreads:\t1\nState:\tS\nName:\tlate\n");
  REQUIRE(missing.has_value());
  CHECK(missing->name == "late");
  CHECK(missing->vm_swap_bytes == 0u);
  CHECK_FALSE(missing->vm_rss_bytes.has_value());
  CHECK_FALSE(missing->real_uid.has_value());

  std::string all(kUserProcess);
  const std::string swap_line = "VmSwap:\t    1024 kB\n";
  all.erase(all.find(swap_line), swap_line.size());
  all += "SigQ:\t0/63379\nvoluntary_ctxt_switches:\t5\n" + swap_line;
  const auto late = parse_pid_status(all);
  REQUIRE(late.has_value());
  CHECK(late->vm_swap_bytes == 1024u * 1024);
}

TEST_CASE("status: keys that only start like kept ones are not kept", "[procfs][status]") {
  const auto s = parse_pid_status(
      "Name:\tx\nNameX:\ty\nNam:\tz\nVmRSSX:\t9 kB\nVmRS:\t9 kB\nRss:\t9 kB\nUidx:\tbad\n"
      "vmrss:\t9 kB\nVmRSS :\t9 kB\nVmRSS\n");
  REQUIRE(s.has_value());
  CHECK(s->name == "x");
  CHECK_FALSE(s->vm_rss_bytes.has_value());
  CHECK_FALSE(s->real_uid.has_value());
}

TEST_CASE("status: a bad kept value is an error wherever it is", "[procfs][status]") {
  // Bad values are found in any position, including after every other kept key.
  const auto s = parse_pid_status(
      "Name:\tx\nUid:\t0\t0\t0\t0\nVmSize:\t1 kB\nVmRSS:\t1 kB\nRssAnon:\t1 kB\n"
      "RssFile:\t1 kB\nRssShmem:\t1 kB\nVmSwap:\tlots\n");
  REQUIRE_FALSE(s.has_value());
  CHECK(s.error().detail == "status: bad value for VmSwap");
}

namespace {

// The parser as it was before it learnt to stop early: the generic keyed parser over the whole
// text, Name and Uid through its callback. The reference for the equivalence test below.
Result<PidStatus> reference_parse(std::string_view text) {
  static constexpr std::array<keyed::Field<PidStatus>, 6> kFields{{
      {"VmSize", &PidStatus::vm_size_bytes},
      {"VmRSS", &PidStatus::vm_rss_bytes},
      {"RssAnon", &PidStatus::rss_anon_bytes},
      {"RssFile", &PidStatus::rss_file_bytes},
      {"RssShmem", &PidStatus::rss_shmem_bytes},
      {"VmSwap", &PidStatus::vm_swap_bytes},
  }};
  PidStatus out;
  bool saw_name = false;
  const Status status = keyed::parse_into(
      text, keyed::kProcKib, "status", kFields, out, [&](const keyed::Line& line) {
        if (line.key == "Name") {
          std::string_view v = line.value;
          if (!v.empty() && v.front() == '\t') {
            v.remove_prefix(1);
          } else {
            v = text::trim(v);
          }
          out.name = std::string(v);
          saw_name = true;
        } else if (line.key == "Uid") {
          std::string_view v = line.value;
          std::array<std::optional<std::uint32_t>, 4> ids;
          for (auto& id : ids) {
            id = text::parse_int<std::uint32_t>(text::next_token(v));
          }
          const bool ok =
              std::all_of(ids.begin(), ids.end(), [](const auto& id) { return id.has_value(); }) &&
              text::trim(v).empty();
          out.real_uid = ok ? ids[0] : std::nullopt;
          return ok;
        }
        return true;
      });
  if (!status) {
    return status.error();
  }
  if (!saw_name) {
    return malformed("status: no Name line");
  }
  return out;
}

void check_same(const Result<PidStatus>& got, const Result<PidStatus>& want) {
  REQUIRE(got.has_value() == want.has_value());
  if (!want) {
    CHECK(got.error().detail == want.error().detail);
    return;
  }
  CHECK(got->name == want->name);
  CHECK(got->real_uid == want->real_uid);
  CHECK(got->vm_size_bytes == want->vm_size_bytes);
  CHECK(got->vm_rss_bytes == want->vm_rss_bytes);
  CHECK(got->rss_anon_bytes == want->rss_anon_bytes);
  CHECK(got->rss_file_bytes == want->rss_file_bytes);
  CHECK(got->rss_shmem_bytes == want->rss_shmem_bytes);
  CHECK(got->vm_swap_bytes == want->vm_swap_bytes);
}

}  // namespace

TEST_CASE("status: same result as the whole-file keyed parse, lines shuffled and dropped",
          "[procfs][status]") {
  const std::string real = testing::fixture("proc/5654/status");
  std::vector<std::string_view> lines;
  text::for_each_line(real, [&](std::string_view line) { lines.push_back(line); });
  const auto rss = std::find_if(lines.begin(), lines.end(),
                                [](std::string_view line) { return line.starts_with("VmRSS:"); });
  REQUIRE(rss != lines.end());
  const std::string_view good_rss = *rss;
  std::mt19937 rng(20240610);
  for (int round = 0; round < 500; ++round) {
    // Every fourth round, the one VmRSS line holds a bad value. (A key printed twice is the one
    // case where the two differ: the early stop may not reach the second; kernels print once.)
    std::replace_if(
        lines.begin(), lines.end(),
        [](std::string_view line) { return line.starts_with("VmRSS:"); },
        round % 4 == 0 ? std::string_view("VmRSS:\tgarbage") : good_rss);
    std::shuffle(lines.begin(), lines.end(), rng);
    const auto keep = std::uniform_int_distribution<std::size_t>(0, lines.size())(rng);
    std::string text;
    for (std::size_t i = 0; i < keep; ++i) {
      text.append(lines[i]).push_back('\n');
    }
    check_same(parse_pid_status(text), reference_parse(text));
  }
}
