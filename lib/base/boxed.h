#pragma once

// Boxed<T>: an optional T kept on the heap, for a large field that is usually empty in a struct
// that exists once per process (2,000 of them, several copies each). It costs one pointer when
// empty where std::optional<T> costs sizeof(T). Copies are deep; the interface is the part of
// std::optional that such fields use (bool test, *, ->, assignment from T, an optional T or
// nullopt).

#include <memory>
#include <optional>
#include <utility>

namespace lw {

template <typename T>
class Boxed {
 public:
  Boxed() = default;
  Boxed(std::nullopt_t /*none*/) {}  // NOLINT(google-explicit-constructor): as std::optional
  Boxed(T value)                     // NOLINT(google-explicit-constructor): as std::optional
      : value_(std::make_unique<T>(std::move(value))) {}
  Boxed(const std::optional<T>& value)  // NOLINT(google-explicit-constructor)
      : value_(value ? std::make_unique<T>(*value) : nullptr) {}
  Boxed(const Boxed& other) : value_(other.value_ ? std::make_unique<T>(*other.value_) : nullptr) {}
  Boxed(Boxed&&) noexcept = default;
  Boxed& operator=(const Boxed& other) {
    if (this != &other) {
      value_ = other.value_ ? std::make_unique<T>(*other.value_) : nullptr;
    }
    return *this;
  }
  Boxed& operator=(Boxed&&) noexcept = default;
  ~Boxed() = default;

  bool has_value() const { return value_ != nullptr; }
  explicit operator bool() const { return has_value(); }
  const T& operator*() const { return *value_; }
  T& operator*() { return *value_; }
  const T* operator->() const { return value_.get(); }
  T* operator->() { return value_.get(); }
  void reset() { value_.reset(); }

 private:
  std::unique_ptr<T> value_;
};

}  // namespace lw
