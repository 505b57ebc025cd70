#pragma once

// SeriesMap<Key, Value, Hash>: the bounded set of series (one per process or cgroup identity).
// A thin layer over std::unordered_map that adds what the store needs and the map lacks: a cap
// on the number of series enforced at the one place series are created, counters for refused
// creations and caller-chosen evictions, and an estimate of the map's own memory.
// Which series to evict is policy (dead first, then least interesting) and stays with the caller:
// when get_or_create() refuses, the caller erase_if()s victims, note_eviction()s them and retries.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <unordered_map>
#include <utility>

#include "store/heap_bytes.h"

namespace lw::store {

template <typename Key, typename Value, typename Hash = std::hash<Key>>
class SeriesMap {
  using Map = std::unordered_map<Key, Value, Hash>;

 public:
  using iterator = typename Map::iterator;
  using const_iterator = typename Map::const_iterator;

  explicit SeriesMap(std::size_t max_series) : max_series_(max_series) {}

  Value* find(const Key& key) {
    const auto it = map_.find(key);
    return it == map_.end() ? nullptr : &it->second;
  }
  const Value* find(const Key& key) const {
    const auto it = map_.find(key);
    return it == map_.end() ? nullptr : &it->second;
  }

  // The existing series for key, or a new one built from args (created = true). nullptr when key
  // is new and the map is full: nothing is inserted and refused() counts it.
  template <typename... Args>
  Value* get_or_create(const Key& key, bool& created, Args&&... args) {
    created = false;
    if (const auto it = map_.find(key); it != map_.end()) {
      return &it->second;
    }
    if (full()) {
      ++refused_;
      return nullptr;
    }
    created = true;
    return &map_.try_emplace(key, std::forward<Args>(args)...).first->second;
  }

  bool erase(const Key& key) { return map_.erase(key) != 0; }

  // Erases every entry for which pred(const Key&, const Value&) is true; returns how many.
  template <typename Pred>
  std::size_t erase_if(Pred pred) {
    std::size_t n = 0;
    for (auto it = map_.begin(); it != map_.end();) {
      if (pred(static_cast<const Key&>(it->first), static_cast<const Value&>(it->second))) {
        it = map_.erase(it);
        ++n;
      } else {
        ++it;
      }
    }
    return n;
  }

  bool full() const { return map_.size() >= max_series_; }
  std::size_t size() const { return map_.size(); }
  bool empty() const { return map_.empty(); }
  std::size_t max_series() const { return max_series_; }
  // A lower cap (config reload) does not erase anything: the caller evicts down to it.
  void set_max_series(std::size_t n) { max_series_ = n; }

  void note_eviction(std::uint64_t n = 1) { evictions_ += n; }
  std::uint64_t evictions() const { return evictions_; }
  std::uint64_t refused() const { return refused_; }

  // The map's own memory, excluding sizeof(Value) (which Value::bytes() is expected to count):
  // the bucket array plus, per node, libstdc++'s next pointer, cached hash and the key, with
  // malloc rounding. An estimate (see heap_bytes.h); heap owned by Key itself is not included.
  std::size_t overhead_bytes() const {
    constexpr std::size_t kNode =
        sizeof(void*) + sizeof(std::pair<const Key, Value>) + sizeof(std::size_t);
    return sizeof(*this) + heap_block_bytes(map_.bucket_count() * sizeof(void*)) +
           map_.size() * (heap_block_bytes(kNode) - sizeof(Value));
  }

  iterator begin() { return map_.begin(); }
  iterator end() { return map_.end(); }
  const_iterator begin() const { return map_.begin(); }
  const_iterator end() const { return map_.end(); }

 private:
  Map map_;
  std::size_t max_series_;
  std::uint64_t evictions_ = 0;
  std::uint64_t refused_ = 0;
};

}  // namespace lw::store
