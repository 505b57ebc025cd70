#include "store/ring_buffer.h"

#include <memory>
#include <vector>

#include <catch2/catch.hpp>

using lw::store::RingBuffer;

namespace {

std::vector<int> contents(const RingBuffer<int>& r) {
  return {r.begin(), r.end()};
}

}  // namespace

TEST_CASE("ring buffer: keeps insertion order until full", "[store]") {
  RingBuffer<int> r(4);
  CHECK(r.empty());
  CHECK(r.capacity() == 4);
  r.push_back(1);
  r.push_back(2);
  r.push_back(3);
  CHECK(r.size() == 3);
  CHECK_FALSE(r.full());
  CHECK(r[0] == 1);
  CHECK(r.back() == 3);
  CHECK(contents(r) == std::vector<int>{1, 2, 3});
  CHECK(r.evicted() == 0);
}

TEST_CASE("ring buffer: overwrites the oldest and counts evictions", "[store]") {
  RingBuffer<int> r(3);
  for (int i = 1; i <= 8; ++i) {
    r.push_back(i);
  }
  CHECK(r.size() == 3);
  CHECK(r.full());
  CHECK(r.evicted() == 5);
  CHECK(r[0] == 6);  // 0 = oldest
  CHECK(r[1] == 7);
  CHECK(r[2] == 8);
  CHECK(r.front() == 6);
  CHECK(r.back() == 8);
  CHECK(contents(r) == std::vector<int>{6, 7, 8});
  // Backwards iteration visits newest -> oldest.
  std::vector<int> reversed;
  for (auto it = r.end(); it != r.begin();) {
    --it;
    reversed.push_back(*it);
  }
  CHECK(reversed == std::vector<int>{8, 7, 6});
}

TEST_CASE("ring buffer: storage never exceeds capacity", "[store]") {
  RingBuffer<int> r(10);
  for (int i = 0; i < 100; ++i) {
    r.push_back(i);
  }
  CHECK(r.heap_bytes() == 10 * sizeof(int));
  RingBuffer<int> idle(2160);
  CHECK(idle.heap_bytes() == 0);  // allocates on demand
}

TEST_CASE("ring buffer: clear empties but keeps the eviction total", "[store]") {
  RingBuffer<int> r(2);
  r.push_back(1);
  r.push_back(2);
  r.push_back(3);
  r.clear();
  CHECK(r.empty());
  CHECK(r.evicted() == 1);
  r.push_back(9);
  r.push_back(10);
  r.push_back(11);
  CHECK(contents(r) == std::vector<int>{10, 11});
  CHECK(r.evicted() == 2);
}

TEST_CASE("ring buffer: capacity 0 behaves as 1", "[store]") {
  RingBuffer<int> r(0);
  r.push_back(1);
  r.push_back(2);
  CHECK(r.capacity() == 1);
  CHECK(contents(r) == std::vector<int>{2});
  CHECK(r.evicted() == 1);
}

TEST_CASE("ring buffer: holds move-only values and allows mutation", "[store]") {
  RingBuffer<std::unique_ptr<int>> r(2);
  r.push_back(std::make_unique<int>(1));
  r.push_back(std::make_unique<int>(2));
  r.push_back(std::make_unique<int>(3));
  *r[0] += 10;
  CHECK(*r[0] == 12);
  CHECK(*r.back() == 3);
  int sum = 0;
  for (const auto& p : r) {
    sum += *p;
  }
  CHECK(sum == 15);
}
