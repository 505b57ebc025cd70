#pragma once

// RAII file descriptors and the read helpers every sampler uses. Reads go through a directory fd
// (openat), so all files of one /proc/<pid> come from the same process instance, and are read
// until EOF into a caller-owned buffer: st_size of /proc files is meaningless.

#include <string>
#include <string_view>
#include <utility>

#include "base/result.h"

namespace lw {

class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  UniqueFd(UniqueFd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    if (this != &other) {
      reset(std::exchange(other.fd_, -1));
    }
    return *this;
  }
  ~UniqueFd() { reset(); }

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  void reset(int fd = -1);
  int release() { return std::exchange(fd_, -1); }

 private:
  int fd_ = -1;
};

// errno -> ErrorKind: ENOENT/ESRCH -> kGone, EACCES/EPERM -> kDenied, anything else -> kIo.
Error error_from_errno(int err, std::string_view what);

// openat(dir, path, flags | O_CLOEXEC). dir may be AT_FDCWD.
Result<UniqueFd> open_at(int dir, const char* path, int flags);

// Reads `path` (relative to dir) until EOF into `buf` (cleared first). Returns a view into buf.
// `max_bytes` bounds the read so a hostile or huge file cannot exhaust memory.
Result<std::string_view> read_all_at(int dir, const char* path, std::string& buf,
                                     std::size_t max_bytes = 1 << 20);

// Reads from an already open fd until EOF (same contract as read_all_at).
Result<std::string_view> read_all(int fd, std::string& buf, std::size_t max_bytes = 1 << 20,
                                  std::string_view what = "fd");

// Reads a file and hands its text to `parse`; I/O errors are returned unchanged.
template <typename Parse>
auto read_parsed(int dir, const char* path, std::string& buf, Parse&& parse)
    -> decltype(parse(std::string_view{})) {
  auto text = read_all_at(dir, path, buf);
  if (!text) {
    return text.error();
  }
  return parse(*text);
}

}  // namespace lw
