#include "store/time_index.h"

#include <cstdint>
#include <limits>
#include <string>

#include <catch2/catch.hpp>

using lw::ErrorKind;
using lw::store::TimeIndex;

TEST_CASE("time index: push assigns consecutive seqs from 1", "[store]") {
  TimeIndex t(100);
  CHECK(t.empty());
  CHECK(t.oldest_seq() == 1);  // empty: [1, 0]
  CHECK(t.newest_seq() == 0);
  CHECK(t.push(1000, 1'700'000'000'000) == 1);
  CHECK(t.push(11000, 1'700'000'010'000) == 2);
  CHECK(t.push(21000, 1'700'000'020'000) == 3);
  CHECK(t.oldest_seq() == 1);
  CHECK(t.newest_seq() == 3);
  CHECK(t.size() == 3);
  const auto e = t.at(2);
  REQUIRE(e.has_value());
  CHECK(*e == TimeIndex::Entry{2, 11000, 1'700'000'010'000});
  CHECK_FALSE(t.at(0).has_value());
  CHECK_FALSE(t.at(4).has_value());
}

TEST_CASE("time index: keeps the newest capacity scans", "[store]") {
  TimeIndex t(3, 10);
  for (std::int64_t i = 0; i < 7; ++i) {
    t.push(i * 10, 500 + i);
  }
  CHECK(t.size() == 3);
  CHECK(t.evicted() == 4);
  CHECK(t.oldest_seq() == 14);
  CHECK(t.newest_seq() == 16);
  CHECK_FALSE(t.at(13).has_value());
  REQUIRE(t.at(14).has_value());
  CHECK(t.at(14)->steady_ms == 40);
  CHECK(t.at(16)->wall_ms == 506);
}

TEST_CASE("time index: first_seq_since finds where a window starts", "[store]") {
  TimeIndex t(5);
  for (std::int64_t i = 1; i <= 8; ++i) {
    t.push(i * 10'000, 0);  // seqs 1..8; 4..8 retained (40 s .. 80 s)
  }
  CHECK(t.first_seq_since(0) == 4u);       // before the window: the oldest retained
  CHECK(t.first_seq_since(50'000) == 5u);  // exact hit
  CHECK(t.first_seq_since(50'001) == 6u);  // between scans: the next one
  CHECK(t.first_seq_since(80'000) == 8u);
  CHECK_FALSE(t.first_seq_since(80'001).has_value());
  CHECK_FALSE(TimeIndex(4).first_seq_since(0).has_value());
}

TEST_CASE("time index: serialise round trip, including wrapping deltas", "[store]") {
  TimeIndex t(10, 1000);
  t.push(std::numeric_limits<std::int64_t>::min(), 0);
  t.push(std::numeric_limits<std::int64_t>::max(), -5);
  t.push(0, 1'700'000'000'000);
  for (std::int64_t i = 0; i < 9; ++i) {
    t.push(10'000 * i, 1'700'000'000'000 + 10'000 * i);
  }
  std::string bytes;
  t.serialize(bytes);
  bytes += "x";
  std::string_view in = bytes;
  const auto back = TimeIndex::deserialize(in, 10);
  REQUIRE(back.has_value());
  CHECK(in == "x");
  CHECK(back->oldest_seq() == t.oldest_seq());
  CHECK(back->newest_seq() == t.newest_seq());
  for (std::uint64_t s = t.oldest_seq(); s <= t.newest_seq(); ++s) {
    CHECK(back->at(s) == t.at(s));
  }
  TimeIndex copy = *back;
  CHECK(copy.push(1, 1) == t.push(1, 1));  // numbering continues after a restart
}

TEST_CASE("time index: a smaller capacity on load keeps the newest scans", "[store]") {
  TimeIndex t(10);
  for (int i = 0; i < 10; ++i) {
    t.push(i, i);
  }
  std::string bytes;
  t.serialize(bytes);
  std::string_view in = bytes;
  const auto back = TimeIndex::deserialize(in, 4);
  REQUIRE(back.has_value());
  CHECK(back->size() == 4);
  CHECK(back->oldest_seq() == 7);
  CHECK(back->newest_seq() == 10);
  CHECK(back->at(7)->steady_ms == 6);
}

TEST_CASE("time index: every truncation fails cleanly", "[store]") {
  TimeIndex t(10);
  for (std::int64_t i = 0; i < 10; ++i) {
    t.push(i * 1000, i * 1000 + 5);
  }
  std::string bytes;
  t.serialize(bytes);
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    std::string_view in(bytes.data(), n);
    const auto r = TimeIndex::deserialize(in, 10);
    INFO("prefix " << n);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().kind == ErrorKind::kMalformed);
    CHECK(in.size() == n);
  }
}

TEST_CASE("time index: bytes grows with retained scans only", "[store]") {
  TimeIndex t(2160);
  const std::size_t empty = t.bytes();
  for (int i = 0; i < 5000; ++i) {
    t.push(i, i);
  }
  CHECK(t.bytes() > empty + 2160 * sizeof(TimeIndex::Entry) - 1);
  CHECK(t.bytes() < empty + 2160 * sizeof(TimeIndex::Entry) + 64);
}
