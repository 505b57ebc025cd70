#include "store/varint.h"

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

namespace varint = lw::store::varint;

TEST_CASE("varint: round-trips boundary values with the expected length", "[store]") {
  struct Case {
    std::uint64_t v;
    std::size_t len;
  };
  const std::vector<Case> cases = {{0, 1},     {127, 1},         {128, 2},   {16383, 2},
                                   {16384, 3}, {1ULL << 63, 10}, {~0ULL, 10}};
  for (const auto& c : cases) {
    std::string out;
    varint::put_u64(out, c.v);
    CHECK(out.size() == c.len);
    std::string_view in = out;
    CHECK(varint::get_u64(in) == c.v);
    CHECK(in.empty());
  }
}

TEST_CASE("varint: zigzag keeps small magnitudes small", "[store]") {
  CHECK(varint::zigzag(0) == 0);
  CHECK(varint::zigzag(-1) == 1);
  CHECK(varint::zigzag(1) == 2);
  CHECK(varint::zigzag(-2) == 3);
  constexpr auto kMin = std::numeric_limits<std::int64_t>::min();
  constexpr auto kMax = std::numeric_limits<std::int64_t>::max();
  for (const std::int64_t v : {std::int64_t{0}, std::int64_t{-5}, std::int64_t{77}, kMin, kMax}) {
    CHECK(varint::unzigzag(varint::zigzag(v)) == v);
    std::string out;
    varint::put_i64(out, v);
    std::string_view in = out;
    CHECK(varint::get_i64(in) == v);
  }
}

TEST_CASE("varint: truncated or over-long input fails and leaves the cursor alone", "[store]") {
  std::string out;
  varint::put_u64(out, 1ULL << 40);
  for (std::size_t n = 0; n < out.size(); ++n) {
    std::string_view in(out.data(), n);
    CHECK_FALSE(varint::get_u64(in).has_value());
    CHECK(in.size() == n);
  }
  // 11 bytes, or a 10th byte carrying more than bit 63: wider than 64 bits.
  const std::string too_long = std::string(10, '\x80') + std::string(1, '\x01');
  std::string_view a = too_long;
  CHECK_FALSE(varint::get_u64(a).has_value());
  std::string wide(9, '\xff');
  wide.push_back('\x02');
  std::string_view b = wide;
  CHECK_FALSE(varint::get_u64(b).has_value());
  wide.back() = '\x01';
  std::string_view c = wide;
  CHECK(varint::get_u64(c) == ~0ULL);
}

TEST_CASE("varint: length-prefixed bytes", "[store]") {
  std::string out;
  varint::put_bytes(out, "web server");
  varint::put_bytes(out, "");
  out += "rest";
  std::string_view in = out;
  CHECK(varint::get_bytes(in) == "web server");
  CHECK(varint::get_bytes(in) == "");
  CHECK(in == "rest");
  std::string bad;
  varint::put_u64(bad, 100);
  bad += "short";
  std::string_view b = bad;
  CHECK_FALSE(varint::get_bytes(b).has_value());
  CHECK(b.size() == bad.size());
}
