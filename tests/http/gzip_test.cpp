#include "http/gzip.h"

#include <cstring>
#include <string>

#include <zlib.h>

#include <catch2/catch.hpp>

namespace {

// Inflates a gzip member with zlib (windowBits 15 + 16); nullopt when it is not valid gzip.
std::optional<std::string> gunzip(const std::string& in) {
  z_stream zs;
  std::memset(&zs, 0, sizeof zs);
  if (inflateInit2(&zs, 15 + 16) != Z_OK) {
    return std::nullopt;
  }
  std::string out(1 << 20, '\0');
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

}  // namespace

TEST_CASE("gzip: Accept-Encoding parsing honours q-values", "[http][gzip]") {
  CHECK(lw::http::accepts_gzip("gzip"));
  CHECK(lw::http::accepts_gzip("deflate, GZIP"));
  CHECK(lw::http::accepts_gzip("gzip;q=0.5, identity"));
  CHECK(lw::http::accepts_gzip("x-gzip"));
  CHECK(lw::http::accepts_gzip("*"));
  CHECK(lw::http::accepts_gzip("br , gzip ; q=1"));
  CHECK_FALSE(lw::http::accepts_gzip(""));
  CHECK_FALSE(lw::http::accepts_gzip("identity"));
  CHECK_FALSE(lw::http::accepts_gzip("gzip;q=0"));
  CHECK_FALSE(lw::http::accepts_gzip("gzip;q=0.0, *"));  // explicit gzip refusal beats *
  CHECK_FALSE(lw::http::accepts_gzip("*;q=0"));
  CHECK_FALSE(lw::http::accepts_gzip("gzipx"));
}

TEST_CASE("gzip: compression round-trips", "[http][gzip]") {
  std::string text;
  for (int i = 0; i < 2000; ++i) {
    text += "leakwatch_process_resident_bytes{pid=\"" + std::to_string(i) + "\"} 12345\n";
  }
  const auto z = lw::http::gzip_compress(text);
  REQUIRE(z.has_value());
  CHECK(z->size() < text.size() / 4);
  CHECK(gunzip(*z) == text);
  const auto empty = lw::http::gzip_compress("");
  REQUIRE(empty.has_value());
  CHECK(gunzip(*empty) == std::string());
}
