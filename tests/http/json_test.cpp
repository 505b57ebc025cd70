#include "http/json.h"

#include <cmath>
#include <limits>
#include <optional>
#include <string>

#include <catch2/catch.hpp>

#include "http/api.h"
#include "http/json_check.h"
#include "http/report_fixture.h"

using lw::http::JsonWriter;
namespace json = lw::testing::json;

namespace {

// Not named quoted(): with <nlohmann/json.hpp> (and so <iomanip>) included, ADL would pick
// std::quoted for std::string arguments.
std::string json_quoted(std::string_view s) {
  std::string out;
  lw::http::append_json_string(out, s);
  return out;
}

}  // namespace

TEST_CASE("json: strings escape quotes, backslashes and every control character", "[http][json]") {
  CHECK(json_quoted("a\"b\\c") == R"("a\"b\\c")");
  CHECK(json_quoted("\n\r\t\b\f") == R"("\n\r\t\b\f")");
  CHECK(json_quoted(std::string("\x01\x1f\x7f", 3)) == R"("\u0001\u001f\u007f")");
  CHECK(json_quoted(std::string("nul\0byte", 8)) == R"("nul\u0000byte")");
  // Markup characters are escaped so a JSON body can never be sniffed as HTML.
  CHECK(json_quoted("<script>&") == R"("\u003cscript\u003e\u0026")");
}

TEST_CASE("json: valid UTF-8 passes through, invalid bytes become U+FFFD", "[http][json]") {
  CHECK(json_quoted("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80") ==
        "\"caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80\"");
  CHECK(json_quoted("a\xFF"
                    "b") ==
        "\"a\xEF\xBF\xBD"
        "b\"");
  CHECK(json_quoted("\xC0\xAF") == "\"\xEF\xBF\xBD\xEF\xBF\xBD\"");                  // overlong '/'
  CHECK(json_quoted("\xED\xA0\x80") == "\"\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\"");  // surrogate
  CHECK(json_quoted("\xE2\x82") == "\"\xEF\xBF\xBD\xEF\xBF\xBD\"");                  // truncated
  // Whatever the bytes, the output is valid JSON that reads back.
  std::string all;
  for (int c = 0; c < 256; ++c) {
    all += static_cast<char>(c);
  }
  const auto v = json::parse(json_quoted(all));
  REQUIRE(v.has_value());
  CHECK(v->string.substr(0, 3) == std::string("\0\x01\x02", 3));
}

TEST_CASE("json: numbers are finite and round-trip, NaN and infinities are null", "[http][json]") {
  JsonWriter w;
  w.begin_array()
      .value(0.1)
      .value(1e300)
      .value(-2.5)
      .value(1700000000.0)
      .value(-0.0)
      .value(std::numeric_limits<double>::quiet_NaN())
      .value(std::numeric_limits<double>::infinity())
      .value(-std::numeric_limits<double>::infinity())
      .value(std::uint64_t{18446744073709551615U})
      .value(std::int32_t{-7})
      .end_array();
  CHECK(w.str() == "[0.1,1e+300,-2.5,1700000000,-0,null,null,null,18446744073709551615,-7]");
  const auto v = json::parse(w.str());
  REQUIRE(v.has_value());
  CHECK(v->array[0].number == 0.1);
  CHECK(v->array[3].number == 1700000000.0);
  CHECK(v->array[5].is_null());
}

TEST_CASE("json: optionals are null when absent, never 0", "[http][json]") {
  JsonWriter w;
  w.begin_object()
      .field("absent", std::optional<std::uint64_t>{})
      .field("zero", std::optional<std::uint64_t>{0})
      .field("flag", true)
      .field("name", "x")
      .end_object();
  CHECK(w.str() == R"({"absent":null,"zero":0,"flag":true,"name":"x"})");
}

TEST_CASE("json: nesting inserts commas correctly", "[http][json]") {
  JsonWriter w;
  w.begin_object();
  w.key("a")
      .begin_array()
      .begin_array()
      .end_array()
      .begin_object()
      .end_object()
      .value(1)
      .end_array();
  w.key("b").begin_object().field("c", 2).end_object();
  w.end_object();
  CHECK(w.str() == R"({"a":[[],{},1],"b":{"c":2}})");
  CHECK(json::parse(w.str()).has_value());
}

TEST_CASE("json: the test reader rejects invalid documents", "[http][json]") {
  // The checker itself must be able to fail, or the API tests prove nothing.
  const std::string bad =
      GENERATE(std::string("{\"a\":1,}"), std::string("[1 2]"), std::string("\"raw\ncontrol\""),
               std::string("NaN"), std::string("{\"a\":1} x"), std::string("\"\xFF\""),
               std::string("01"), std::string("[\"\\ud800\"]"));
  CHECK_FALSE(json::parse(bad).has_value());
}

TEST_CASE("api: the whole report renders as valid JSON with absent values as null",
          "[http][json]") {
  const lw::analysis::Report report = lw::testing::sample_report();
  const auto doc = json::parse(lw::http::render_report_json(report));
  REQUIRE(doc.has_value());
  const json::Value* processes = doc->get("processes");
  REQUIRE(processes != nullptr);
  REQUIRE(processes->array.size() == 4);
  const json::Value& quiet = processes->array[2];
  CHECK(quiet.get("pid")->number == 100);
  CHECK(quiet.get("anon_bytes")->is_null());
  CHECK(quiet.get("private_bytes")->is_null());
  CHECK(quiet.get("memory")->get("limit")->is_null());
  const json::Value& leaky = processes->array[0];
  CHECK(leaky.get("comm")->string == lw::testing::kHostileComm);
  CHECK(leaky.get("shmem_bytes")->number == 0);  // present and zero stays 0
  CHECK(leaky.get("rates")->get("1h")->get("memory_bytes_per_second")->number == 2048.5);
  CHECK(leaky.get("rates")->get("6h")->get("memory_bytes_per_second")->is_null());
  CHECK(doc->get("self")->get("scans_total")->number == 42);
}
