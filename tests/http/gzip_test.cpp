#include "http/gzip.h"

#include <cstring>
#include <string>

#include <zlib.h>

#include <catch2/catch.hpp>

#include "http/gunzip.h"

using lw::testing::gunzip;

namespace {}  // namespace

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
