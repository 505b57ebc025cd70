#include "base/fd.h"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <memory>
#include <span>
#include <string>

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

namespace {

constexpr std::size_t kReadChunk = 4096;

// Whether a read shorter than the room asked for ends the file (see read_record_at()).
enum class ShortRead { kReadOn, kIsEof };

// The one read loop of both buffer kinds. room(used) gives writable bytes after the first `used`;
// keep(used) makes `used` the buffer's size. Reads until EOF; a file of max_bytes or more is kIo.
template <typename Room, typename Keep>
Result<std::size_t> read_until_eof(int fd, std::size_t max_bytes, std::string_view what,
                                   Room&& room, Keep&& keep,
                                   ShortRead short_read = ShortRead::kReadOn) {
  std::size_t used = 0;
  for (;;) {
    if (used >= max_bytes) {
      keep(used);
      return Error{ErrorKind::kIo, std::string(what) + ": larger than the read limit (" +
                                       std::to_string(max_bytes) + " bytes)"};
    }
    const std::span<char> free = room(used);
    const std::size_t want = std::min(free.size(), max_bytes - used);
    const ssize_t n = ::read(fd, free.data(), want);
    if (n < 0) {
      const int err = errno;
      keep(used);
      if (err == EINTR) {
        continue;
      }
      return error_from_errno(err, what);
    }
    used += static_cast<std::size_t>(n);
    keep(used);
    if (n == 0 || (short_read == ShortRead::kIsEof && static_cast<std::size_t>(n) < want)) {
      return used;
    }
  }
}

}  // namespace

std::span<char> ReadBuffer::spare(std::size_t n) {
  if (capacity_ - size_ < n) {
    const std::size_t grown = std::max({capacity_ * 2, size_ + n, kReadChunk});
    // NOLINTNEXTLINE(*-avoid-c-arrays): uninitialised on purpose
    auto bigger = std::make_unique_for_overwrite<char[]>(grown);
    if (size_ > 0) {
      std::memcpy(bigger.get(), data_.get(), size_);
    }
    data_ = std::move(bigger);
    capacity_ = grown;
  }
  return {data_.get() + size_, capacity_ - size_};
}

namespace {

Result<std::string_view> read_into(int fd, ReadBuffer& buf, std::size_t max_bytes,
                                   std::string_view what, ShortRead short_read) {
  buf.clear();
  const auto read = read_until_eof(
      fd, max_bytes, what, [&](std::size_t /*used*/) { return buf.spare(kReadChunk); },
      [&](std::size_t used) { buf.commit(used - buf.size()); }, short_read);
  if (!read) {
    return read.error();
  }
  return buf.view();
}

}  // namespace

Result<std::string_view> read_all(int fd, ReadBuffer& buf, std::size_t max_bytes,
                                  std::string_view what) {
  return read_into(fd, buf, max_bytes, what, ShortRead::kReadOn);
}

// Cold paths (config, snapshot file) whose text must live in a std::string: resize zero-fills,
// which does not matter for a file read once.
Result<std::string_view> read_all(int fd, std::string& buf, std::size_t max_bytes,
                                  std::string_view what) {
  buf.clear();
  const auto read = read_until_eof(
      fd, max_bytes, what,
      [&](std::size_t used) {
        buf.resize(used + kReadChunk);
        return std::span<char>(buf.data() + used, kReadChunk);
      },
      [&](std::size_t used) { buf.resize(used); });
  if (!read) {
    return read.error();
  }
  return std::string_view(buf);
}

namespace {

// Opens `path` and hands the fd to `read`; `buf` is cleared first, so a file that cannot be
// opened leaves no text of the one before.
template <typename Buffer, typename Read>
Result<std::string_view> open_and_read(int dir, const char* path, Buffer& buf, Read&& read) {
  buf.clear();
  auto fd = open_at(dir, path, O_RDONLY);
  if (!fd) {
    return fd.error();
  }
  return read(fd->get());
}

}  // namespace

Result<std::string_view> read_all_at(int dir, const char* path, ReadBuffer& buf,
                                     std::size_t max_bytes) {
  return open_and_read(dir, path, buf, [&](int fd) { return read_all(fd, buf, max_bytes, path); });
}

Result<std::string_view> read_all_at(int dir, const char* path, std::string& buf,
                                     std::size_t max_bytes) {
  return open_and_read(dir, path, buf, [&](int fd) { return read_all(fd, buf, max_bytes, path); });
}

Result<std::string_view> read_record_at(int dir, const char* path, ReadBuffer& buf,
                                        std::size_t max_bytes) {
  return open_and_read(dir, path, buf, [&](int fd) {
    return read_into(fd, buf, max_bytes, path, ShortRead::kIsEof);
  });
}

}  // namespace lw
