#include "store/series_map.h"

#include <string>

#include <catch2/catch.hpp>

using lw::store::SeriesMap;

TEST_CASE("series map: creates until full, then refuses and counts", "[store]") {
  SeriesMap<int, std::string> m(2);
  bool created = false;
  std::string* a = m.get_or_create(1, created, "one");
  REQUIRE(a != nullptr);
  CHECK(created);
  CHECK(*a == "one");
  CHECK(m.get_or_create(1, created, "ignored") == a);  // existing: no new series
  CHECK_FALSE(created);
  REQUIRE(m.get_or_create(2, created) != nullptr);
  CHECK(m.full());
  CHECK(m.get_or_create(3, created) == nullptr);
  CHECK_FALSE(created);
  CHECK(m.refused() == 1);
  CHECK(m.size() == 2);
  CHECK(m.get_or_create(2, created) != nullptr);  // existing keys still resolve when full
  CHECK(m.find(3) == nullptr);
  CHECK(m.find(1) == a);
}

TEST_CASE("series map: caller evicts with erase_if and note_eviction, then retries", "[store]") {
  SeriesMap<int, int> m(3);
  bool created = false;
  for (int k = 0; k < 3; ++k) {
    *m.get_or_create(k, created) = k * 10;
  }
  REQUIRE(m.get_or_create(7, created) == nullptr);
  const std::size_t n =
      m.erase_if([](const int& key, const int& value) { return key == 0 || value == 20; });
  CHECK(n == 2);
  m.note_eviction(n);
  CHECK(m.evictions() == 2);
  CHECK(m.size() == 1);
  REQUIRE(m.get_or_create(7, created) != nullptr);
  CHECK(created);
  int sum = 0;
  for (const auto& [key, value] : m) {
    sum += key;
  }
  CHECK(sum == 1 + 7);
  CHECK(m.erase(7));
  CHECK_FALSE(m.erase(7));
}

TEST_CASE("series map: a lower cap takes effect for new series only", "[store]") {
  SeriesMap<int, int> m(10);
  bool created = false;
  for (int k = 0; k < 5; ++k) {
    m.get_or_create(k, created);
  }
  m.set_max_series(3);
  CHECK(m.full());
  CHECK(m.size() == 5);
  CHECK(m.get_or_create(9, created) == nullptr);
}

TEST_CASE("series map: overhead estimate grows with entries", "[store]") {
  SeriesMap<int, int> m(1000);
  const std::size_t empty = m.overhead_bytes();
  bool created = false;
  for (int k = 0; k < 100; ++k) {
    m.get_or_create(k, created);
  }
  CHECK(m.overhead_bytes() >= empty + std::size_t{100} * 16);
}
