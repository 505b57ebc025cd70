#pragma once

// Helpers shared by the fuzz targets: a property check that aborts (libFuzzer and the replay
// driver both report an abort as a finding) and the rule every parser keeps on bad input.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "base/result.h"

namespace lw::fuzz {

inline void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "fuzz property violated: %s\n", what);
    std::abort();
  }
}

// A parser of untrusted text either succeeds or says kMalformed with a detail; it never claims
// an I/O error and never returns an empty explanation.
template <typename T>
void check_parse(const Result<T>& result) {
  if (!result) {
    check(result.error().kind == ErrorKind::kMalformed, "parse error is kMalformed");
    check(!result.error().detail.empty(), "parse error has a detail");
  }
}

// The first byte selects one of `count` parsers; the rest is that parser's input.
struct Selected {
  std::size_t which = 0;
  std::string_view text;
};

inline Selected select(const std::uint8_t* data, std::size_t size, std::size_t count) {
  if (size == 0) {
    return {count, {}};  // which == count: nothing to do
  }
  return {static_cast<std::size_t>(data[0]) % count,
          std::string_view(reinterpret_cast<const char*>(data) + 1, size - 1)};
}

}  // namespace lw::fuzz
