#pragma once

// Writers for optional and floating-point payload fields, and PayloadReader: a cursor over a
// snapshot payload of varints (store/varint.h) whose first failure sticks: every later read returns
// a zero value, so a decoder can read a whole record and check ok() once. The first error's detail
// is kept. Used by the store's and the analysis's snapshot sections alike.

#include <bit>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "store/compressed_series.h"
#include "store/time_index.h"
#include "store/varint.h"

namespace lw::store {

inline void put_f64(std::string& out, double v) {
  varint::put_u64(out, std::bit_cast<std::uint64_t>(v));
}

inline void put_opt(std::string& out, const std::optional<std::uint64_t>& v) {
  varint::put_u64(out, v ? 1 : 0);
  if (v) {
    varint::put_u64(out, *v);
  }
}

inline void put_opt_f64(std::string& out, const std::optional<double>& v) {
  varint::put_u64(out, v ? 1 : 0);
  if (v) {
    put_f64(out, *v);
  }
}

class PayloadReader {
 public:
  explicit PayloadReader(std::string_view in) : in_(in) {}

  bool ok() const { return ok_; }
  bool at_end() const { return in_.empty(); }
  std::size_t remaining() const { return in_.size(); }
  const std::string& error() const { return error_; }

  void fail(std::string what) {
    if (ok_) {
      ok_ = false;
      error_ = std::move(what);
    }
  }

  std::uint64_t u64() {
    if (!ok_) {
      return 0;
    }
    const auto v = varint::get_u64(in_);
    if (!v) {
      fail("truncated");
      return 0;
    }
    return *v;
  }

  // A u64 that must be <= max.
  std::uint64_t bounded(std::uint64_t max) {
    const std::uint64_t v = u64();
    if (v > max) {
      fail("value out of range");
      return 0;
    }
    return v;
  }

  std::int64_t i64() { return varint::unzigzag(u64()); }
  bool flag() { return bounded(1) == 1; }
  double f64() { return std::bit_cast<double>(u64()); }

  std::string_view bytes() {
    if (!ok_) {
      return {};
    }
    const auto b = varint::get_bytes(in_);
    if (!b) {
      fail("truncated");
      return {};
    }
    return *b;
  }

  std::optional<std::uint64_t> opt() {
    if (!flag()) {
      return std::nullopt;
    }
    const std::uint64_t v = u64();
    return ok_ ? std::optional<std::uint64_t>(v) : std::nullopt;
  }

  std::optional<double> opt_f64() {
    if (!flag()) {
      return std::nullopt;
    }
    const double v = f64();
    return ok_ ? std::optional<double>(v) : std::nullopt;
  }

  template <std::size_t N>
  CompressedSeries<N> series() {
    if (ok_) {
      auto s = CompressedSeries<N>::deserialize(in_);
      if (s) {
        return std::move(*s);
      }
      fail(s.error().detail);
    }
    return CompressedSeries<N>{};
  }

  TimeIndex time_index(std::size_t capacity) {
    if (ok_) {
      auto t = TimeIndex::deserialize(in_, capacity);
      if (t) {
        return std::move(*t);
      }
      fail(t.error().detail);
    }
    return TimeIndex(capacity);
  }

 private:
  std::string_view in_;
  bool ok_ = true;
  std::string error_;
};

}  // namespace lw::store
