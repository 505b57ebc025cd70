#pragma once

// RAII file descriptors and the read helpers every sampler uses. Reads go through a directory fd
// (openat), so all files of one /proc/<pid> come from the same process instance, and are read
// until EOF into a caller-owned buffer: st_size of /proc files is meaningless.

#include <cstddef>
#include <memory>
#include <span>
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

// The buffer of the hot read path (several /proc files per process per scan): it grows to the
// largest file read and keeps that room, and it never writes bytes that read() is about to
// overwrite, which std::string::resize does (a zero-fill of every chunk before each read).
// Only view() is the file: the bytes past size() are stale or uninitialised.
class ReadBuffer {
 public:
  ReadBuffer() = default;
  ReadBuffer(const ReadBuffer&) = delete;
  ReadBuffer& operator=(const ReadBuffer&) = delete;
  ReadBuffer(ReadBuffer&& other) noexcept
      : data_(std::move(other.data_)),
        size_(std::exchange(other.size_, 0)),
        capacity_(std::exchange(other.capacity_, 0)) {}
  ReadBuffer& operator=(ReadBuffer&& other) noexcept {
    data_ = std::move(other.data_);
    size_ = std::exchange(other.size_, 0);
    capacity_ = std::exchange(other.capacity_, 0);
    return *this;
  }
  ~ReadBuffer() = default;

  std::string_view view() const { return {data_.get(), size_}; }
  std::size_t size() const { return size_; }
  std::size_t capacity() const { return capacity_; }
  void clear() { size_ = 0; }

  // At least `n` writable bytes after size() (all the room there is, which may be more), growing
  // the buffer by doubling when needed. Their content is unspecified until written.
  std::span<char> spare(std::size_t n);
  // Counts `n` bytes of spare() as written; n must not exceed what spare() returned.
  void commit(std::size_t n) { size_ += n; }

 private:
  std::unique_ptr<char[]> data_;  // NOLINT(*-avoid-c-arrays): uninitialised room
  std::size_t size_ = 0;
  std::size_t capacity_ = 0;
};

// Reads `path` (relative to dir) until EOF into `buf` (cleared first). Returns a view into buf.
// `max_bytes` bounds the read so a hostile or huge file cannot exhaust memory: a file of
// max_bytes or more is kIo.
Result<std::string_view> read_all_at(int dir, const char* path, ReadBuffer& buf,
                                     std::size_t max_bytes = 1 << 20);
Result<std::string_view> read_all_at(int dir, const char* path, std::string& buf,
                                     std::size_t max_bytes = 1 << 20);

// The same for a file the kernel prints whole in its first read when the buffer has room for it:
// a single-record seq_file such as /proc/PID/stat, statm or status (or a regular file). A read
// shorter than the room asked for is then the end of the file, so the read that would return 0
// is not made: one syscall fewer per file, thousands per scan. Not for pipes or sockets, nor for
// multi-record seq_files (/proc/PID/smaps, mountinfo), whose reads may stop short at a record.
Result<std::string_view> read_record_at(int dir, const char* path, ReadBuffer& buf,
                                        std::size_t max_bytes = 1 << 20);

// Reads from an already open fd until EOF (same contract as read_all_at).
Result<std::string_view> read_all(int fd, ReadBuffer& buf, std::size_t max_bytes = 1 << 20,
                                  std::string_view what = "fd");
Result<std::string_view> read_all(int fd, std::string& buf, std::size_t max_bytes = 1 << 20,
                                  std::string_view what = "fd");

// The text of a read handed to `parse`; the read's error is returned unchanged.
template <typename Parse>
auto parse_read(Result<std::string_view> text, Parse&& parse)
    -> decltype(parse(std::string_view{})) {
  if (!text) {
    return text.error();
  }
  return parse(*text);
}

// Reads a file and hands its text to `parse`; I/O errors are returned unchanged. `buf` is a
// ReadBuffer on hot paths, a std::string where the text must outlive the next read.
template <typename Buffer, typename Parse>
auto read_parsed(int dir, const char* path, Buffer& buf, Parse&& parse)
    -> decltype(parse(std::string_view{})) {
  return parse_read(read_all_at(dir, path, buf), parse);
}

// read_parsed() for a file read_record_at() may read.
template <typename Parse>
auto read_record_parsed(int dir, const char* path, ReadBuffer& buf, Parse&& parse)
    -> decltype(parse(std::string_view{})) {
  return parse_read(read_record_at(dir, path, buf), parse);
}

}  // namespace lw
