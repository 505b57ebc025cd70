#pragma once

// JSON documents in tests, read by nlohmann-json, which is strict RFC 8259: it rejects raw
// control characters in strings, invalid UTF-8, lone surrogates, trailing commas, trailing
// garbage, leading zeros and NaN. The result is a small tree of plain fields so tests can assert
// on values, including null vs 0, and objects keep their members in document order.

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace lw::testing::json {

struct Value {
  enum class Type { kNull, kBool, kNumber, kString, kArray, kObject };
  Type type = Type::kNull;
  bool boolean = false;
  double number = 0;
  std::string string;
  std::vector<Value> array;
  std::vector<std::pair<std::string, Value>> object;

  bool is_null() const { return type == Type::kNull; }
  // The member `key` of an object; nullptr when absent or not an object.
  const Value* get(std::string_view key) const {
    if (type != Type::kObject) {
      return nullptr;
    }
    for (const auto& [k, v] : object) {
      if (k == key) {
        return &v;
      }
    }
    return nullptr;
  }
};

namespace detail {

using Document = nlohmann::ordered_json;

inline Value to_value(const Document& doc) {
  Value v;
  if (doc.is_boolean()) {
    v.type = Value::Type::kBool;
    v.boolean = doc.get<bool>();
  } else if (doc.is_number()) {
    v.type = Value::Type::kNumber;
    v.number = doc.get<double>();
  } else if (doc.is_string()) {
    v.type = Value::Type::kString;
    v.string = doc.get<std::string>();
  } else if (doc.is_array()) {
    v.type = Value::Type::kArray;
    for (const Document& element : doc) {
      v.array.push_back(to_value(element));
    }
  } else if (doc.is_object()) {
    v.type = Value::Type::kObject;
    for (const auto& [key, member] : doc.items()) {
      v.object.emplace_back(key, to_value(member));
    }
  }
  return v;
}

}  // namespace detail

// nullopt unless `text` is exactly one valid JSON document.
inline std::optional<Value> parse(std::string_view text) {
  const auto doc = detail::Document::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) {
    return std::nullopt;
  }
  return detail::to_value(doc);
}

}  // namespace lw::testing::json
