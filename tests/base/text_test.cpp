#include "base/text.h"

#include <string>

#include <catch2/catch.hpp>

using namespace lw;

TEST_CASE("text: parse_u64 needs the whole token", "[base]") {
  CHECK(text::parse_u64("1234") == 1234u);
  const std::string_view bad = GENERATE("", " 1", "1 ", "+1", "-1", "1x", "99999999999999999999");
  CHECK_FALSE(text::parse_u64(bad).has_value());
}

TEST_CASE("text: parse_kib_as_bytes multiplies by 1024 and needs the kB unit", "[base]") {
  CHECK(text::parse_kib_as_bytes("\t  1234 kB") == 1234u * 1024);
  CHECK(text::parse_kib_as_bytes("0 kB") == 0u);
  const std::string_view bad =
      GENERATE("12 MB", "12", "kB", "-5 kB", "1 kB x", "18014398509481984 kB");
  CHECK_FALSE(text::parse_kib_as_bytes(bad).has_value());
}

TEST_CASE("text: parse_decimal reads PSI averages", "[base]") {
  CHECK(text::parse_decimal("0.00") == Approx(0.0));
  CHECK(text::parse_decimal("12.5") == Approx(12.5));
  CHECK(text::parse_decimal("7") == Approx(7.0));
  const std::string_view bad = GENERATE("", ".5", "1.", "1.2.3", "a", "-1.0");
  CHECK_FALSE(text::parse_decimal(bad).has_value());
}

TEST_CASE("text: next_token and trim handle tabs", "[base]") {
  std::string_view rest = " \ta  b\tc";
  CHECK(text::next_token(rest) == "a");
  CHECK(text::next_token(rest) == "b");
  CHECK(text::next_token(rest) == "c");
  CHECK(text::next_token(rest).empty());
  CHECK(text::trim("\t x \n") == "x");
}

TEST_CASE("text: sanitize_utf8 keeps valid text and replaces the rest", "[base]") {
  CHECK(text::sanitize_utf8("web-1") == "web-1");
  CHECK(text::sanitize_utf8("caf\xC3\xA9") == "caf\xC3\xA9");
  CHECK(text::sanitize_utf8("a\nb") == "a?b");
  CHECK(text::sanitize_utf8("bad\xFF") == "bad\xEF\xBF\xBD");
  CHECK(text::sanitize_utf8("\xC0\xAF") == "\xEF\xBF\xBD\xEF\xBF\xBD");  // overlong '/'
  CHECK(text::sanitize_utf8("\xED\xA0\x80") ==
        "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");     // surrogate
  CHECK(text::sanitize_utf8("q\"\\)") == "q\"\\)");  // escaping is the serialiser's job
  // The cap never splits a multi-byte character.
  CHECK(text::sanitize_utf8("ab\xC3\xA9", 3) == "ab");
  CHECK(text::sanitize_utf8(std::string(500, 'x')).size() == 128);
}

TEST_CASE("text: valid_utf8 follows RFC 3629", "[base]") {
  const std::string_view good =
      GENERATE(std::string_view(""), "web-1", "a\nb\x7F", "caf\xC3\xA9", "\xE2\x82\xAC",
               "\xF0\x9F\x90\xB3", "\xF4\x8F\xBF\xBF", "\xED\x9F\xBF");
  CHECK(text::valid_utf8(good));
  const std::string_view bad =
      GENERATE(std::string_view("\xFF"), "\x80", "caf\xC3", "\xC0\xAF", "\xC1\xBF",
               "\xE0\x80\xAF",      // overlong
               "\xED\xA0\x80",      // surrogate
               "\xF4\x90\x80\x80",  // above U+10FFFF
               "\xF5\x80\x80\x80",  // lead byte out of range
               "\xE2\x82", "\xE2\x28\xA1");
  CHECK_FALSE(text::valid_utf8(bad));
}

TEST_CASE("text: utf8_sequence_length never reads past the end", "[base]") {
  const std::string_view euro = "\xE2\x82\xAC";
  CHECK(text::utf8_sequence_length(euro, 0) == 3);
  for (std::size_t n = 1; n < euro.size(); ++n) {
    CHECK(text::utf8_sequence_length(euro.substr(0, n), 0) == 0);
  }
  CHECK(text::utf8_sequence_length("a\xE2\x82\xAC", 1) == 3);
}
