#pragma once

// A small streaming JSON writer for the /api/v1 endpoints (RFC 8259). It never fails on input:
// strings are escaped (control characters as \u00XX, invalid UTF-8 replaced by U+FFFD, and '<',
// '>', '&' escaped so a response can never be sniffed as markup), non-finite doubles and empty
// optionals become null. Commas are inserted automatically; the caller only has to nest
// begin_*/end_* correctly.

#include <concepts>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lw::http {

// Appends `s` as a quoted JSON string.
void append_json_string(std::string& out, std::string_view s);

// Appends the shortest text that reads back as `v` (std::to_chars); NaN and infinities → null.
void append_json_number(std::string& out, double v);

class JsonWriter {
 public:
  JsonWriter& begin_object();
  JsonWriter& end_object();
  JsonWriter& begin_array();
  JsonWriter& end_array();
  // Writes an object key; the next value call writes its value.
  JsonWriter& key(std::string_view k);

  JsonWriter& null();
  JsonWriter& value(std::string_view s);
  JsonWriter& value(const char* s) { return value(std::string_view(s)); }
  JsonWriter& value(const std::string& s) { return value(std::string_view(s)); }
  JsonWriter& value(bool b);
  JsonWriter& value(double d);
  template <std::integral Int>
  requires(!std::same_as<Int, bool>) JsonWriter& value(Int i) {
    if constexpr (std::is_signed_v<Int>) {
      return signed_value(static_cast<std::int64_t>(i));
    } else {
      return unsigned_value(static_cast<std::uint64_t>(i));
    }
  }
  template <typename T>
  JsonWriter& value(const std::optional<T>& v) {
    return v ? value(*v) : null();
  }

  // key(k) followed by value(v).
  template <typename T>
  JsonWriter& field(std::string_view k, const T& v) {
    key(k);
    return value(v);
  }

  const std::string& str() const { return out_; }
  std::string take() { return std::move(out_); }

 private:
  JsonWriter& signed_value(std::int64_t i);
  JsonWriter& unsigned_value(std::uint64_t u);
  void before_value();

  std::string out_;
  std::vector<bool> has_items_;  // one entry per open object/array
  bool after_key_ = false;
};

}  // namespace lw::http
