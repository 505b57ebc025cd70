#pragma once

// Result<T>: a value or an Error, with std::expected's member names so it can be swapped for
// std::expected once the toolchain has it. Library code returns these instead of throwing.

#include <string>
#include <utility>
#include <variant>

namespace lw {

enum class ErrorKind {
  kGone,       // ENOENT / ESRCH: the process or cgroup went away; normal during a scan
  kDenied,     // EACCES / EPERM
  kIo,         // any other errno
  kMalformed,  // the text did not have the documented shape
};

struct Error {
  ErrorKind kind = ErrorKind::kIo;
  std::string detail;
};

inline Error malformed(std::string detail) {
  return Error{ErrorKind::kMalformed, std::move(detail)};
}

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value)
      : v_(std::in_place_index<0>, std::move(value)) {}  // NOLINT(google-explicit-constructor)
  Result(Error error)
      : v_(std::in_place_index<1>, std::move(error)) {}  // NOLINT(google-explicit-constructor)

  bool has_value() const { return v_.index() == 0; }
  explicit operator bool() const { return has_value(); }

  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::get<0>(std::move(v_)); }
  T* operator->() { return &std::get<0>(v_); }
  const T* operator->() const { return &std::get<0>(v_); }

  const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

// For operations that return nothing but can fail.
struct Ok {};
using Status = Result<Ok>;

}  // namespace lw
