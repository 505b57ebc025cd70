#include "http/json.h"

#include <array>
#include <charconv>
#include <cmath>

#include "base/text.h"

namespace lw::http {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

void append_u00(std::string& out, unsigned char c) {
  constexpr std::string_view kHex = "0123456789abcdef";
  out += "\\u00";
  out += kHex[c >> 4];
  out += kHex[c & 0xF];
}

}  // namespace

void append_json_string(std::string& out, std::string_view s) {
  out += '"';
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      const std::size_t len = text::utf8_sequence_length(s, i);
      if (len == 0) {
        out += kReplacement;
        ++i;
      } else {
        out.append(s.substr(i, len));
        i += len;
      }
      continue;
    }
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '<':
      case '>':
      case '&':
        append_u00(out, c);
        break;
      default:
        if (c < 0x20 || c == 0x7F) {
          append_u00(out, c);
        } else {
          out += static_cast<char>(c);
        }
    }
    ++i;
  }
  out += '"';
}

void append_json_number(std::string& out, double v) {
  if (!std::isfinite(v)) {
    out += "null";
    return;
  }
  std::array<char, 64> buf{};
  // Whole numbers below 2^53 (timestamps, byte counts) print as integers: 1700000000, not the
  // shorter 1.7e+09. Everything else gets the shortest text that reads back exactly.
  const bool integral = std::fabs(v) < 9007199254740992.0 && v == std::trunc(v);
  const auto [ptr, ec] = integral
                             ? std::to_chars(buf.begin(), buf.end(), v, std::chars_format::fixed, 0)
                             : std::to_chars(buf.begin(), buf.end(), v);
  if (ec != std::errc{}) {
    out += "null";
    return;
  }
  out.append(buf.data(), ptr);
}

void JsonWriter::before_value() {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  if (!has_items_.empty()) {
    if (has_items_.back()) {
      out_ += ',';
    }
    has_items_.back() = true;
  }
}

JsonWriter& JsonWriter::begin_object() {
  before_value();
  out_ += '{';
  has_items_.push_back(false);
  return *this;
}

JsonWriter& JsonWriter::end_object() {
  out_ += '}';
  if (!has_items_.empty()) {
    has_items_.pop_back();
  }
  return *this;
}

JsonWriter& JsonWriter::begin_array() {
  before_value();
  out_ += '[';
  has_items_.push_back(false);
  return *this;
}

JsonWriter& JsonWriter::end_array() {
  out_ += ']';
  if (!has_items_.empty()) {
    has_items_.pop_back();
  }
  return *this;
}

JsonWriter& JsonWriter::key(std::string_view k) {
  before_value();
  append_json_string(out_, k);
  out_ += ':';
  after_key_ = true;
  return *this;
}

JsonWriter& JsonWriter::null() {
  before_value();
  out_ += "null";
  return *this;
}

JsonWriter& JsonWriter::value(std::string_view s) {
  before_value();
  append_json_string(out_, s);
  return *this;
}

JsonWriter& JsonWriter::value(bool b) {
  before_value();
  out_ += b ? "true" : "false";
  return *this;
}

JsonWriter& JsonWriter::value(double d) {
  before_value();
  append_json_number(out_, d);
  return *this;
}

JsonWriter& JsonWriter::signed_value(std::int64_t i) {
  before_value();
  std::array<char, 24> buf{};
  const auto [ptr, ec] = std::to_chars(buf.begin(), buf.end(), i);
  out_.append(buf.data(), ec == std::errc{} ? ptr : buf.data());
  return *this;
}

JsonWriter& JsonWriter::unsigned_value(std::uint64_t u) {
  before_value();
  std::array<char, 24> buf{};
  const auto [ptr, ec] = std::to_chars(buf.begin(), buf.end(), u);
  out_.append(buf.data(), ec == std::errc{} ? ptr : buf.data());
  return *this;
}

}  // namespace lw::http
