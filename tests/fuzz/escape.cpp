// Fuzz target: the escapes every attacker-shaped string (process names, cgroup paths) goes
// through on its way out, as round-trip properties:
// - JSON (lw::http::append_json_string): valid UTF-8, valid JSON (nlohmann-json parses it),
//   a string equal to the input when that was valid UTF-8, and no raw '<', '>' or '&';
// - markup (lw::text::markup_escape, the pages and SVG charts): valid UTF-8, no raw markup
//   character, and unescaping gives sanitize_utf8(input) back;
// - labels (sanitize_utf8 at max_label_bytes, then prometheus-cpp's text format): valid UTF-8
//   within the bound, and the label value read back from the exposition line is the same.

#include <cstddef>
#include <cstdint>
#include <limits>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <prometheus/metric_family.h>
#include <prometheus/text_serializer.h>

#include <nlohmann/json.hpp>

#include "base/text.h"
#include "fuzz/fuzz_check.h"
#include "http/json.h"

namespace {

using lw::fuzz::check;

void json(std::string_view s) {
  std::string out;
  lw::http::append_json_string(out, s);
  check(lw::text::valid_utf8(out), "JSON output is valid UTF-8");
  check(out.find_first_of("<>&") == std::string::npos, "no raw markup character in JSON");
  const auto parsed = nlohmann::json::parse(out, nullptr, false);
  check(!parsed.is_discarded() && parsed.is_string(), "JSON output parses as a string");
  const auto& back = parsed.get_ref<const std::string&>();
  check(lw::text::valid_utf8(back), "the JSON string is valid UTF-8");
  if (lw::text::valid_utf8(s)) {
    check(back == s, "valid UTF-8 reads back unchanged");
  }
}

std::string markup_unescape(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size();) {
    if (s[i] != '&') {
      out += s[i++];
      continue;
    }
    const std::size_t semi = s.find(';', i);
    check(semi != std::string_view::npos, "an entity ends with ';'");
    const std::string_view entity = s.substr(i, semi + 1 - i);
    if (entity == "&amp;") {
      out += '&';
    } else if (entity == "&lt;") {
      out += '<';
    } else if (entity == "&gt;") {
      out += '>';
    } else if (entity == "&quot;") {
      out += '"';
    } else if (entity == "&#39;") {
      out += '\'';
    } else {
      check(false, "only the five known entities");
    }
    i = semi + 1;
  }
  return out;
}

void markup(std::string_view s) {
  const std::string out = lw::text::markup_escape(s);
  check(lw::text::valid_utf8(out), "markup output is valid UTF-8");
  check(out.find_first_of("<>\"'") == std::string::npos, "no raw markup character");
  check(markup_unescape(out) == lw::text::sanitize_utf8(s, std::numeric_limits<std::size_t>::max()),
        "markup unescapes to the sanitised input");
}

// The value of the one label in "name{label=\"...\"} 1", unescaped as Prometheus reads it.
std::string exposed_label(const std::string& text) {
  const std::string start = "{comm=\"";
  const std::size_t at = text.find(start);
  check(at != std::string::npos, "the label is exposed");
  std::string out;
  for (std::size_t i = at + start.size(); i < text.size(); ++i) {
    const char c = text[i];
    if (c == '"') {
      return out;
    }
    check(c != '\n', "no raw newline in a label value");
    if (c == '\\') {
      check(i + 1 < text.size(), "an escape is complete");
      const char e = text[++i];
      check(e == '\\' || e == '"' || e == 'n', "only \\\\, \\\" and \\n escapes");
      out += e == 'n' ? '\n' : e;
    } else {
      out += c;
    }
  }
  check(false, "the label value ends");
  return out;
}

void label(std::string_view s) {
  constexpr std::size_t kMaxLabelBytes = 128;
  const std::string value = lw::text::sanitize_utf8(s, kMaxLabelBytes);
  check(value.size() <= kMaxLabelBytes, "a label stays within max_label_bytes");
  check(lw::text::valid_utf8(value), "a label is valid UTF-8");
  prometheus::MetricFamily family;
  family.name = "leakwatch_fuzz";
  family.help = "One gauge.";
  family.type = prometheus::MetricType::Gauge;
  prometheus::ClientMetric m;
  m.label = {{"comm", value}};
  m.gauge.value = 1;
  family.metric.push_back(m);
  std::ostringstream text;
  prometheus::TextSerializer().Serialize(text, {family});
  check(exposed_label(text.str()) == value, "the label reads back unchanged");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view s(reinterpret_cast<const char*>(data), size);
  json(s);
  markup(s);
  label(s);
  return 0;
}
