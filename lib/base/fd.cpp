#include "base/fd.h"

#include <array>
#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <unistd.h>

namespace lw {

void UniqueFd::reset(int fd) {
  if (fd_ >= 0) {
    ::close(fd_);
  }
  fd_ = fd;
}

Error error_from_errno(int err, std::string_view what) {
  ErrorKind kind = ErrorKind::kIo;
  if (err == ENOENT || err == ESRCH) {
    kind = ErrorKind::kGone;
  } else if (err == EACCES || err == EPERM) {
    kind = ErrorKind::kDenied;
  }
  std::string detail(what);
  detail += ": ";
  std::array<char, 128> buf{};
  // GNU strerror_r: returns a pointer to the message (in buf or a static string), never fails.
  detail += ::strerror_r(err, buf.data(), buf.size());
  return Error{kind, std::move(detail)};
}

Result<UniqueFd> open_at(int dir, const char* path, int flags) {
  const int fd =
      ::openat(dir, path, flags | O_CLOEXEC);  // NOLINT(cppcoreguidelines-pro-type-vararg)
  if (fd < 0) {
    return error_from_errno(errno, path);
  }
  return UniqueFd(fd);
}

Result<std::string_view> read_all(int fd, std::string& buf, std::size_t max_bytes,
                                  std::string_view what) {
  buf.clear();
  constexpr std::size_t kChunk = 4096;
  for (;;) {
    const std::size_t old = buf.size();
    if (old >= max_bytes) {
      return Error{ErrorKind::kIo, std::string(what) + ": larger than the read limit"};
    }
    buf.resize(old + kChunk);
    const ssize_t n = ::read(fd, buf.data() + old, kChunk);
    if (n < 0) {
      const int err = errno;
      buf.resize(old);
      if (err == EINTR) {
        continue;
      }
      return error_from_errno(err, what);
    }
    buf.resize(old + static_cast<std::size_t>(n));
    if (n == 0) {
      return std::string_view(buf);
    }
  }
}

Result<std::string_view> read_all_at(int dir, const char* path, std::string& buf,
                                     std::size_t max_bytes) {
  auto fd = open_at(dir, path, O_RDONLY);
  if (!fd) {
    return fd.error();
  }
  return read_all(fd->get(), buf, max_bytes, path);
}

}  // namespace lw
