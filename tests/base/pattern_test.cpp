#include "base/pattern.h"

#include <string>
#include <string_view>

#include <catch2/catch.hpp>

using namespace lw;

namespace {
Pattern must_compile(std::string_view p) {
  auto r = Pattern::compile(p);
  INFO(p);
  REQUIRE(r.has_value());
  return *r;
}
}  // namespace

TEST_CASE("pattern: full_match needs the whole text, partial_match any part", "[base][pattern]") {
  const Pattern p = must_compile("svc-[0-9]+");
  CHECK(p.full_match("svc-12"));
  CHECK_FALSE(p.full_match("svc-12x"));
  CHECK_FALSE(p.full_match("my-svc-12"));
  CHECK(p.partial_match("my-svc-12x"));
  CHECK_FALSE(p.partial_match("svc-"));
  CHECK(p.source() == "svc-[0-9]+");
}

TEST_CASE("pattern: copies share one compiled regex", "[base][pattern]") {
  const Pattern a = must_compile("java|python3");
  const Pattern b = a;  // NOLINT(performance-unnecessary-copy-initialization): the copy is tested
  CHECK(b.full_match("python3"));
  CHECK(&a.source() == &b.source());
}

TEST_CASE("pattern: matching is byte-wise, as std::regex on char was", "[base][pattern]") {
  // comm and cmdline are whatever bytes a process chose; not necessarily UTF-8.
  CHECK(
      must_compile(".*").full_match("a\xff\xfe"
                                    "b"));
  CHECK(must_compile("caf\xc3\xa9").full_match("caf\xc3\xa9"));
  CHECK(must_compile("a.c").full_match(std::string("a\0c", 3)));
  CHECK_FALSE(must_compile("a.c").full_match("a\nc"));
}

TEST_CASE("pattern: a 64 KiB cmdline matches without deep recursion", "[base][pattern]") {
  // std::regex recursed per character here and could overflow a thread's stack.
  std::string cmdline = "java -cp ";
  while (cmdline.size() < 64 * 1024) {
    cmdline += "/opt/app/lib/some-library-1.2.3.jar:";
  }
  cmdline += " com.example.Main";
  CHECK(must_compile("java .*Main").full_match(cmdline));
  CHECK(must_compile("(.|\n)*com\\.example\\.Main").full_match(cmdline));
  CHECK_FALSE(must_compile("python.*").full_match(cmdline));
}

TEST_CASE("pattern: syntax errors say what is wrong", "[base][pattern]") {
  const auto [pattern, detail] = GENERATE(table<std::string, std::string>({
      {"(unclosed", "missing ): (unclosed"},
      {"[a-", "missing ]: [a-"},
      {"*x", "no argument for repetition operator: *"},
      {"a)", "unexpected ): a)"},
  }));
  CAPTURE(pattern);
  const auto r = Pattern::compile(pattern);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().kind == ErrorKind::kMalformed);
  CHECK(r.error().detail == detail);
}

TEST_CASE("pattern: backreferences and lookaround are refused as not RE2", "[base][pattern]") {
  const auto [pattern, detail] = GENERATE(table<std::string, std::string>({
      {"(a)\\1", "backreferences such as \\1 are not supported (user regexes are RE2 syntax)"},
      {"(?<n>a)\\k<n>", "invalid perl operator: (?<"},  // named groups are (?P<n>...) in RE2
      {"(?P<n>a)\\k<n>",
       "backreferences such as \\k are not supported (user regexes are RE2 syntax)"},
      {"(?P<n>a)(?P=n)",
       "backreferences such as (?P=name) are not supported (user regexes are RE2 syntax)"},
      {"foo(?=bar)", "lookaround such as (?= is not supported (user regexes are RE2 syntax)"},
      {"foo(?!bar)", "lookaround such as (?! is not supported (user regexes are RE2 syntax)"},
      {"(?<=x)y", "lookaround such as (?<= is not supported (user regexes are RE2 syntax)"},
      {"(?<!x)y", "lookaround such as (?<! is not supported (user regexes are RE2 syntax)"},
  }));
  CAPTURE(pattern);
  const auto r = Pattern::compile(pattern);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().detail == detail);
}
