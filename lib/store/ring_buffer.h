#pragma once

// RingBuffer<T>: a fixed-capacity FIFO whose push_back overwrites the oldest element once full
// and counts every element it overwrote, so history is bounded by construction and the loss is
// visible (the store exports the counter). Index 0 is the oldest element; iteration runs
// oldest -> newest. Single-threaded: only the scanner thread touches the store.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <type_traits>
#include <utility>
#include <vector>

namespace lw::store {

template <typename T>
class RingBuffer {
  template <bool Const>
  class Iter;

 public:
  using value_type = T;
  using iterator = Iter<false>;
  using const_iterator = Iter<true>;

  // A capacity of 0 is treated as 1: a ring that can hold nothing would silently drop all data.
  // Storage grows on demand up to `capacity` (never beyond), so an idle ring costs nothing.
  explicit RingBuffer(std::size_t capacity) : capacity_(std::max<std::size_t>(capacity, 1)) {}

  void push_back(T value) {
    if (buf_.size() < capacity_) {
      if (buf_.size() == buf_.capacity()) {
        // Grow geometrically but clamp at capacity_, so a full ring holds no slack.
        buf_.reserve(std::min(capacity_, std::max<std::size_t>(8, buf_.size() * 2)));
      }
      buf_.push_back(std::move(value));
      return;
    }
    buf_[head_] = std::move(value);
    head_ = head_ + 1 == capacity_ ? 0 : head_ + 1;
    ++evicted_;
  }

  // 0 = oldest, size() - 1 = newest. Precondition: i < size().
  T& operator[](std::size_t i) { return buf_[physical(i)]; }
  const T& operator[](std::size_t i) const { return buf_[physical(i)]; }

  // Precondition: !empty().
  T& front() { return (*this)[0]; }
  const T& front() const { return (*this)[0]; }
  T& back() { return (*this)[buf_.size() - 1]; }
  const T& back() const { return (*this)[buf_.size() - 1]; }

  std::size_t size() const { return buf_.size(); }
  std::size_t capacity() const { return capacity_; }
  bool empty() const { return buf_.empty(); }
  bool full() const { return buf_.size() == capacity_; }

  // Elements overwritten by push_back since construction. clear() does not count as eviction
  // and does not reset the counter (it is exported as a monotonic total).
  std::uint64_t evicted() const { return evicted_; }

  // Removes every element; keeps the allocation for reuse.
  void clear() {
    buf_.clear();
    head_ = 0;
  }

  // Heap bytes held by the element storage (capacity, not size). Heap owned by the elements
  // themselves is not included.
  std::size_t heap_bytes() const { return buf_.capacity() * sizeof(T); }

  iterator begin() { return iterator(this, 0); }
  iterator end() { return iterator(this, buf_.size()); }
  const_iterator begin() const { return const_iterator(this, 0); }
  const_iterator end() const { return const_iterator(this, buf_.size()); }
  const_iterator cbegin() const { return begin(); }
  const_iterator cend() const { return end(); }

 private:
  template <bool Const>
  class Iter {
    using Ring = std::conditional_t<Const, const RingBuffer, RingBuffer>;

   public:
    using iterator_category = std::bidirectional_iterator_tag;
    using value_type = T;
    using difference_type = std::ptrdiff_t;
    using pointer = std::conditional_t<Const, const T*, T*>;
    using reference = std::conditional_t<Const, const T&, T&>;

    Iter() = default;
    Iter(Ring* ring, std::size_t i) : ring_(ring), i_(i) {}

    reference operator*() const { return (*ring_)[i_]; }
    pointer operator->() const { return &(*ring_)[i_]; }
    Iter& operator++() {
      ++i_;
      return *this;
    }
    Iter operator++(int) {
      Iter old = *this;
      ++i_;
      return old;
    }
    Iter& operator--() {
      --i_;
      return *this;
    }
    Iter operator--(int) {
      Iter old = *this;
      --i_;
      return old;
    }
    bool operator==(const Iter& other) const = default;

   private:
    Ring* ring_ = nullptr;
    std::size_t i_ = 0;
  };

  // While the ring is filling, head_ stays 0 and the logical index is the physical one.
  std::size_t physical(std::size_t i) const {
    const std::size_t p = head_ + i;
    return p >= capacity_ ? p - capacity_ : p;
  }

  std::size_t capacity_;
  std::vector<T> buf_;
  std::size_t head_ = 0;  // physical index of the oldest element once the ring is full
  std::uint64_t evicted_ = 0;
};

}  // namespace lw::store
