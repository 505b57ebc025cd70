#include "base/keyed.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <catch2/catch.hpp>

using namespace lw;

namespace {

struct Sizes {
  std::optional<std::uint64_t> total;
  std::optional<std::uint64_t> free;
};

constexpr std::array<keyed::Field<Sizes>, 2> kSizeFields{{
    {"Total", &Sizes::total},
    {"Free", &Sizes::free},
}};

struct Counters {
  std::optional<std::uint64_t> anon;
  std::optional<std::uint64_t> file;
};

constexpr std::array<keyed::Field<Counters>, 2> kCounterFields{{
    {"anon", &Counters::anon},
    {"file", &Counters::file},
}};

constexpr std::string_view kProcText =
    "Total:\t  2048 kB\n"
    "HugePages_Total:       0\n"  // unknown key, no unit: ignored
    "no separator here\n"         // another shape: ignored under kLenient
    "Free:        1 kB";          // the last line may lack its '\n'

constexpr std::string_view kFlatText = "anon 4096\nslab 7\nfile 0\n";

}  // namespace

TEST_CASE("keyed: kLenient reads the table's kB keys as bytes", "[base][keyed]") {
  const auto s = keyed::parse(kProcText, keyed::kProcKib, "meminfo", kSizeFields);
  REQUIRE(s.has_value());
  CHECK(s->total == 2048u * 1024);
  CHECK(s->free == 1024u);
}

TEST_CASE("keyed: an absent key stays nullopt, not zero", "[base][keyed]") {
  const auto s = keyed::parse("Total: 0 kB\n", keyed::kProcKib, "meminfo", kSizeFields);
  REQUIRE(s.has_value());
  CHECK(s->total == 0u);
  CHECK_FALSE(s->free.has_value());
}

TEST_CASE("keyed: a key given twice keeps its last value", "[base][keyed]") {
  const auto s = keyed::parse("Total: 1 kB\nTotal: 2 kB\n", keyed::kProcKib, "m", kSizeFields);
  REQUIRE(s.has_value());
  CHECK(s->total == 2048u);
  const auto c = keyed::parse("anon 1\nanon 2\n", keyed::kFlatKeyed, "memory.stat", kCounterFields);
  REQUIRE(c.has_value());
  CHECK(c->anon == 2u);
}

TEST_CASE("keyed: a bad value on a wanted key is an error naming the key", "[base][keyed]") {
  const std::string_view line = GENERATE("Free: 12 MB", "Free: -5 kB", "Free: kB", "Free: 1 kB x",
                                         "Free: 1kB", "Free:", "Free: 99999999999999999999 kB",
                                         "Free: 18014398509481984 kB", "Free: 0x10 kB");
  const auto s = keyed::parse("Total: 1 kB\n" + std::string(line) + "\n", keyed::kProcKib,
                              "meminfo", kSizeFields);
  REQUIRE_FALSE(s.has_value());
  CHECK(s.error().kind == ErrorKind::kMalformed);
  CHECK(s.error().detail == "meminfo: bad value for Free");
}

TEST_CASE("keyed: kBlanks needs exactly one number after the key", "[base][keyed]") {
  const auto ok =
      keyed::parse(" anon\t 12 \nother x y\n", keyed::kProcCounters, "vmstat", kCounterFields);
  REQUIRE(ok.has_value());
  CHECK(ok->anon == 12u);
  const std::string_view line = GENERATE("anon", "anon 1 2", "anon +1", "anon 1k", "anon -1");
  const auto bad = keyed::parse(line, keyed::kProcCounters, "vmstat", kCounterFields);
  REQUIRE_FALSE(bad.has_value());
  CHECK(bad.error().detail == "vmstat: bad value for anon");
}

TEST_CASE("keyed: kStrict rejects every line that is not '<key> <u64>'", "[base][keyed]") {
  const auto ok = keyed::parse(kFlatText, keyed::kFlatKeyed, "memory.stat", kCounterFields);
  REQUIRE(ok.has_value());
  CHECK(ok->anon == 4096u);
  CHECK(ok->file == 0u);

  // Unknown keys must be well formed too: the kernel printed the whole file as "%s %llu\n".
  const std::string_view line =
      GENERATE("slab", "slab ", " 1", "slab  1", "slab\t1", "slab 1 ", "slab +1", "slab -1",
               "slab 1k", "slab 99999999999999999999", "", "anon 1 2");
  const auto bad = keyed::parse("anon 1\n" + std::string(line) + "\nfile 2\n", keyed::kFlatKeyed,
                                "memory.stat", kCounterFields);
  REQUIRE_FALSE(bad.has_value());
  CHECK(bad.error().kind == ErrorKind::kMalformed);
  std::string quoted(line);
  std::replace(quoted.begin(), quoted.end(), '\t', '?');  // control characters are masked
  CHECK(bad.error().detail == "memory.stat: bad line '" + quoted + "'");
}

TEST_CASE("keyed: kStrict quotes a hostile line sanitised and capped", "[base][keyed]") {
  const auto bad = keyed::parse("anon \xFF<b>\n", keyed::kFlatKeyed, "f", kCounterFields);
  REQUIRE_FALSE(bad.has_value());
  CHECK(bad.error().detail == "f: bad line 'anon \xEF\xBF\xBD<b>'");
  const auto long_line =
      keyed::parse(std::string(500, 'x'), keyed::kFlatKeyed, "f", kCounterFields);
  REQUIRE_FALSE(long_line.has_value());
  CHECK(long_line.error().detail == "f: bad line '" + std::string(80, 'x') + "'");
}

TEST_CASE("keyed: the parse stops at the first problem", "[base][keyed]") {
  std::vector<std::string> seen;
  const auto problem = keyed::for_each_pair("a: 1 kB\nb: 2 kB\nc: 3 kB\n", keyed::kProcKib,
                                            [&](const keyed::Line& line) {
                                              seen.emplace_back(line.key);
                                              return line.key != "b";
                                            });
  REQUIRE(problem.has_value());
  CHECK(problem->key == "b");
  CHECK(problem->line == "b: 2 kB");
  CHECK(seen == std::vector<std::string>{"a", "b"});
}

TEST_CASE("keyed: other keys reach the callback with their raw value", "[base][keyed]") {
  Sizes out;
  std::string name;
  const Status status = keyed::parse_into("Name:\tmy proc \nTotal: 4 kB\nBad: x\n", keyed::kProcKib,
                                          "status", kSizeFields, out, [&](const keyed::Line& line) {
                                            if (line.key == "Name") {
                                              name = std::string(line.value);
                                            }
                                            return line.key != "Bad";
                                          });
  REQUIRE_FALSE(status.has_value());
  CHECK(status.error().detail == "status: bad value for Bad");
  CHECK(name == "\tmy proc ");
  CHECK(out.total == 4096u);
}

TEST_CASE("keyed: empty text is an empty result", "[base][keyed]") {
  const auto s = keyed::parse("", keyed::kFlatKeyed, "memory.events", kCounterFields);
  REQUIRE(s.has_value());
  CHECK_FALSE(s->anon.has_value());
}

TEST_CASE("keyed: truncated input never throws", "[base][keyed]") {
  for (std::size_t n = 0; n <= kProcText.size(); ++n) {
    CHECK_NOTHROW(keyed::parse(kProcText.substr(0, n), keyed::kProcKib, "meminfo", kSizeFields));
  }
  for (std::size_t n = 0; n <= kFlatText.size(); ++n) {
    const auto s =
        keyed::parse(kFlatText.substr(0, n), keyed::kFlatKeyed, "memory.stat", kCounterFields);
    // A cut inside a line leaves "anon 40" (still valid) or "anon " / "sla" (malformed); never
    // a value that was not in the text.
    if (s.has_value() && s->anon) {
      CHECK(std::string("4096").starts_with(std::to_string(*s->anon)));
    }
  }
}
