#pragma once

// Test helper: inflates a gzip member with zlib (windowBits 15 + 16), for checking what the
// server compressed. nullopt when the input is not valid gzip or inflates to more than
// `capacity` bytes.

#include <cstddef>
#include <cstring>
#include <optional>
#include <string>

#include <zlib.h>

namespace lw::testing {

inline std::optional<std::string> gunzip(const std::string& in,
                                         std::size_t capacity = std::size_t{1} << 20) {
  z_stream zs;
  std::memset(&zs, 0, sizeof zs);
  if (inflateInit2(&zs, 15 + 16) != Z_OK) {
    return std::nullopt;
  }
  std::string out(capacity, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  const int rc = inflate(&zs, Z_FINISH);
  const auto n = zs.total_out;
  inflateEnd(&zs);
  if (rc != Z_STREAM_END) {
    return std::nullopt;
  }
  out.resize(n);
  return out;
}

}  // namespace lw::testing
