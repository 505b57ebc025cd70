#include "format/bytes.h"

#include <cmath>
#include <cstdint>
#include <limits>

#include <catch2/catch.hpp>

namespace lw::format {
namespace {

constexpr double kKiB = 1024.0;
constexpr double kMiB = kKiB * 1024;
constexpr double kGiB = kMiB * 1024;

TEST_CASE("bytes: whole bytes below one KiB", "[format][bytes]") {
  CHECK(bytes(0) == "0 B");
  CHECK(bytes(1) == "1 B");
  CHECK(bytes(512) == "512 B");
  CHECK(bytes(1023) == "1023 B");
  CHECK(bytes(1023.4) == "1023 B");
}

TEST_CASE("bytes: a unit boundary moves up where the number would round to 1024",
          "[format][bytes]") {
  CHECK(bytes(1023.5) == "1.0 KiB");
  CHECK(bytes(1024) == "1.0 KiB");
  CHECK(bytes(1536) == "1.5 KiB");
  CHECK(bytes(1023.9 * kKiB) == "1023.9 KiB");
  CHECK(bytes(1023.97 * kKiB) == "1.0 MiB");
  CHECK(bytes(kMiB) == "1.0 MiB");
  CHECK(bytes(12 * kMiB) == "12.0 MiB");
  CHECK(bytes(710 * kMiB) == "710.0 MiB");
  CHECK(bytes(kGiB) == "1.0 GiB");
  CHECK(bytes(16 * kGiB) == "16.0 GiB");
  CHECK(bytes(kGiB * 1024) == "1.0 TiB");
  CHECK(bytes(kGiB * kMiB) == "1.0 PiB");
}

TEST_CASE("bytes: the largest counts end in EiB", "[format][bytes]") {
  CHECK(bytes(static_cast<double>(std::numeric_limits<std::uint64_t>::max())) == "16.0 EiB");
  CHECK(bytes(1e30) == "867361737988.4 EiB");
}

TEST_CASE("bytes: negative values and non-finite values", "[format][bytes]") {
  CHECK(bytes(-3 * kMiB) == "-3.0 MiB");
  CHECK(bytes(-1023) == "-1023 B");
  CHECK(bytes(-0.2) == "0 B");  // no "-0 B"
  CHECK(bytes(-0.0) == "0 B");
  CHECK(bytes(std::nan("")) == "n/a");
  CHECK(bytes(std::numeric_limits<double>::infinity()) == "n/a");
  CHECK(bytes(-std::numeric_limits<double>::infinity()) == "n/a");
}

TEST_CASE("bytes: rates are shown per hour with a sign", "[format][bytes]") {
  CHECK(byte_rate_per_hour(2048.5) == "+7.0 MiB/h");
  CHECK(byte_rate_per_hour(-4096) == "-14.1 MiB/h");
  CHECK(byte_rate_per_hour(10 * kMiB / 3600) == "+10.0 MiB/h");
  CHECK(byte_rate_per_hour(0) == "0 B/h");
  CHECK(byte_rate_per_hour(1e-6) == "0 B/h");  // 0.0036 B/h rounds to zero: no sign
  CHECK(byte_rate_per_hour(std::nan("")) == "n/a");
}

}  // namespace
}  // namespace lw::format
