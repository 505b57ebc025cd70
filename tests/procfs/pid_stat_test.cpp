#include "procfs/pid_stat.h"

#include <string>
#include <string_view>

#include <catch2/catch.hpp>

#include "support/fake_root.h"

using namespace lw;
using namespace lw::procfs;

namespace {

// A line with a distinct value in every field we keep, so a swapped field number shows up.
constexpr std::string_view kBusy =
    "4242 (python3) R 4200 4242 4200 34817 4242 4194560 91234 0 12 0 1500 250 0 0 20 0 4 0 "
    "987654 838860800 51200 18446744073709551615 94000000000000 94000000100000 140720000000000 "
    "0 0 0 0 16781312 134234626 0 0 0 17 1 0 0 0 0 0\n";

std::string stat_with_comm(std::string_view comm) {
  return "77 (" + std::string(comm) +
         ") S 1 77 77 0 -1 4194304 5 0 0 0 3 4 0 0 20 0 1 0 555 1000 25 "
         "18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0\n";
}

}  // namespace

TEST_CASE("stat: real file captured on 6.18", "[procfs][stat]") {
  const auto s = parse_pid_stat(testing::fixture("proc/5654/stat"));
  REQUIRE(s.has_value());
  CHECK(s->pid == 5654);
  CHECK(s->comm == "sleep");
  CHECK(s->state == 'S');
  CHECK(s->ppid == 5651);
  CHECK(s->flags == 4194304u);
  CHECK_FALSE(s->is_kernel_thread());
  CHECK(s->start_time_ticks == 27403u);
  CHECK(s->vsize_bytes == 2990080u);
  CHECK(s->rss_pages == 406u);
}

TEST_CASE("stat: every kept field comes from its own position", "[procfs][stat]") {
  const auto s = parse_pid_stat(kBusy);
  REQUIRE(s.has_value());
  CHECK(s->pid == 4242);
  CHECK(s->comm == "python3");
  CHECK(s->state == 'R');
  CHECK(s->ppid == 4200);
  CHECK(s->flags == 4194560u);
  CHECK(s->utime_ticks == 1500u);
  CHECK(s->stime_ticks == 250u);
  CHECK(s->start_time_ticks == 987654u);
  CHECK(s->vsize_bytes == 838860800u);
  CHECK(s->rss_pages == 51200u);
}

TEST_CASE("stat: kernel threads carry PF_KTHREAD", "[procfs][stat]") {
  const auto s = parse_pid_stat(
      "2 (kthreadd) S 0 0 0 0 -1 2129984 0 0 0 0 0 0 0 0 20 0 1 0 9 0 0 18446744073709551615 0 0 "
      "0 0 0 0 0 2147483647 0 0 0 0 0 0 0 0 0 0 0\n");
  REQUIRE(s.has_value());
  CHECK(s->is_kernel_thread());
  CHECK(s->ppid == 0);
  CHECK(s->rss_pages == 0u);
}

TEST_CASE("stat: comm may contain spaces, parentheses, quotes, newlines and bad UTF-8",
          "[procfs][stat]") {
  // A process can name itself anything (prctl PR_SET_NAME), including ") R 1 (".
  const std::string_view comm =
      GENERATE("evil) R 1 (x", "a b", ") R 1 (", "(", ")", "q\"'`", "two\nlines", "bad\xff\xfe", "",
               " ", "x) 9 9 9 9 9 9 9 9 9 9 9 9 9 9 9 9 9 9 9 9 9");
  const auto s = parse_pid_stat(stat_with_comm(comm));
  REQUIRE(s.has_value());
  CHECK(s->comm == comm);
  CHECK(s->pid == 77);
  CHECK(s->state == 'S');
  CHECK(s->ppid == 1);
  CHECK(s->utime_ticks == 3u);
  CHECK(s->stime_ticks == 4u);
  CHECK(s->start_time_ticks == 555u);
  CHECK(s->rss_pages == 25u);
}

TEST_CASE("stat: tabs and a missing trailing newline are accepted", "[procfs][stat]") {
  const auto s = parse_pid_stat(
      "9 (t)\tS 1 9 9 0 -1 0 0 0 0 0 1\t2 0 0 20 0 1 0 30 40 50 18446744073709551615");
  REQUIRE(s.has_value());
  CHECK(s->utime_ticks == 1u);
  CHECK(s->stime_ticks == 2u);
  CHECK(s->rss_pages == 50u);
}

TEST_CASE("stat: too few fields is malformed", "[procfs][stat]") {
  const auto s = parse_pid_stat("1 (init) S 0 1 1\n");
  REQUIRE_FALSE(s.has_value());
  CHECK(s.error().kind == ErrorKind::kMalformed);
  CHECK(s.error().detail == "stat: only 6 fields");
}

TEST_CASE("stat: a bad field is malformed and named", "[procfs][stat]") {
  using Case = std::pair<std::string_view, std::string_view>;
  const Case c = GENERATE(
      Case{"x (a) S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21\n",
           "stat: bad field (1)"},
      Case{"-3 (a) S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21\n",
           "stat: bad field (1)"},
      Case{"3 (a) SS 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21\n",
           "stat: bad field (3)"},
      Case{"3 (a) S x 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21\n",
           "stat: bad field (4)"},
      Case{"3 (a) S 1 2 3 4 5 -6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21\n",
           "stat: bad field (9)"},
      Case{"3 (a) S 1 2 3 4 5 6 7 8 9 10 -11 12 13 14 15 16 17 18 19 20 21\n",
           "stat: bad field (14)"},
      Case{"3 (a) S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 2x1\n",
           "stat: bad field (24)"},
      Case{"3 (a) S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 99999999999999999999\n",
           "stat: bad field (24)"},
      Case{"3 (a) S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 x 19 20 21\n",
           "stat: bad field (21)"},
      Case{"3 a S 1 2 3\n", "stat: no (comm)"}, Case{"3 )a( S 1 2 3\n", "stat: no (comm)"});
  const auto s = parse_pid_stat(c.first);
  REQUIRE_FALSE(s.has_value());
  CHECK(s.error().kind == ErrorKind::kMalformed);
  CHECK(s.error().detail == c.second);
}

TEST_CASE("stat: truncated or empty input never throws", "[procfs][stat]") {
  const std::string real = testing::fixture("proc/5654/stat");
  for (const std::string_view text : {std::string_view(kBusy), std::string_view(real)}) {
    for (std::size_t n = 0; n <= text.size(); ++n) {
      CHECK_NOTHROW(parse_pid_stat(text.substr(0, n)));
    }
  }
  // Cut anywhere before field (24) starts, the line is malformed, never a zero-filled success.
  const auto rss_start = kBusy.find(" 51200 ") + 1;
  for (std::size_t n = 0; n <= rss_start; ++n) {
    CHECK_FALSE(parse_pid_stat(kBusy.substr(0, n)).has_value());
  }
}

TEST_CASE("stat: a comm like 'a) (b' ends at the last ')'", "[procfs][stat]") {
  const auto s = parse_pid_stat(stat_with_comm("a) (b"));
  REQUIRE(s.has_value());
  CHECK(s->comm == "a) (b");
  CHECK(s->state == 'S');
  CHECK(s->ppid == 1);
  CHECK(s->flags == 4194304u);
  CHECK(s->start_time_ticks == 555u);
  CHECK(s->vsize_bytes == 1000u);
  CHECK(s->rss_pages == 25u);
}

TEST_CASE("stat: nothing after field (24) is read", "[procfs][stat]") {
  // Fields past (24) are neither tokenised nor checked: garbage there does not matter, and a line
  // that ends right after (24) is complete.
  const std::string head = "5 (x) S 1 5 5 0 -1 0 0 0 0 0 1 2 0 0 20 0 1 0 30 40 50";
  for (const std::string tail : {"", "\n", " not numbers at all\n", " 18446744073709551616"}) {
    const auto s = parse_pid_stat(head + tail);
    REQUIRE(s.has_value());
    CHECK(s->comm == "x");
    CHECK(s->rss_pages == 50u);
  }
}

TEST_CASE("stat: skipped fields are checked as integers of either sign", "[procfs][stat]") {
  using Case = std::pair<std::string_view, bool>;
  // Field (5), which we do not keep, in every shape the old two-parse check accepted or refused.
  const Case c = GENERATE(Case{"0", true}, Case{"-1", true}, Case{"007", true}, Case{"-0", true},
                          Case{"999999999999999999", true}, Case{"9223372036854775807", true},
                          Case{"18446744073709551615", true}, Case{"-9223372036854775808", true},
                          Case{"18446744073709551616", false}, Case{"-9223372036854775809", false},
                          Case{"-", false}, Case{"+1", false}, Case{"1x", false},
                          Case{"--1", false}, Case{"0x10", false}, Case{"1-", false});
  const auto s = parse_pid_stat("3 (a) S 1 " + std::string(c.first) +
                                " 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21\n");
  CHECK(s.has_value() == c.second);
}
