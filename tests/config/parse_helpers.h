#pragma once

// parse_config helpers: the Config of a YAML that must parse, the error of one that must not.

#include <string>
#include <string_view>
#include <utility>

#include <catch2/catch.hpp>

#include "base/result.h"
#include "config/config.h"

// The error detail of a config that must not parse; fails the test if it parses.
inline std::string error_of(std::string_view yaml) {
  const auto r = lw::config::parse_config(yaml, "leakwatch.yaml");
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().kind == lw::ErrorKind::kMalformed);
  return r.error().detail;
}

inline lw::config::Config parsed(std::string_view yaml) {
  auto r = lw::config::parse_config(yaml, "leakwatch.yaml");
  if (!r) {
    FAIL(r.error().detail);
  }
  return std::move(r).value();
}

inline bool starts_with(const std::string& s, std::string_view prefix) {
  return s.starts_with(prefix);
}
