#include "store/snapshot_file.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <string>
#include <utility>

#include <fcntl.h>
#include <unistd.h>
#include <zlib.h>

#include "base/fd.h"

namespace lw::store {

namespace {

void put_le(std::string& out, std::uint64_t v, std::size_t bytes) {
  for (std::size_t i = 0; i < bytes; ++i) {
    out.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
  }
}

std::uint64_t get_le(std::string_view in, std::size_t offset, std::size_t bytes) {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < bytes; ++i) {
    v |= static_cast<std::uint64_t>(static_cast<unsigned char>(in[offset + i])) << (8 * i);
  }
  return v;
}

std::string hex32(std::uint32_t v) {
  constexpr std::string_view kDigits = "0123456789abcdef";
  std::string s = "0x00000000";
  for (std::size_t i = 0; i < 8; ++i) {
    s[9 - i] = kDigits[(v >> (4 * i)) & 0xF];
  }
  return s;
}

// Every write failure is kIo, including ENOENT for a missing state directory: unlike a /proc
// file vanishing, that is a configuration or disk problem, not a normal race.
Error io_error(int err, const std::string& what) {
  Error e = error_from_errno(err, what);
  e.kind = ErrorKind::kIo;
  return e;
}

// Unlinks the temp file unless the rename succeeded.
class TempFileGuard {
 public:
  explicit TempFileGuard(std::string path) : path_(std::move(path)) {}
  TempFileGuard(const TempFileGuard&) = delete;
  TempFileGuard& operator=(const TempFileGuard&) = delete;
  ~TempFileGuard() {
    if (armed_) {
      ::unlink(path_.c_str());
    }
  }
  void disarm() { armed_ = false; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  bool armed_ = true;
};

std::string parent_dir(const std::string& path) {
  const auto slash = path.rfind('/');
  if (slash == std::string::npos) {
    return ".";
  }
  if (slash == 0) {
    return "/";
  }
  return path.substr(0, slash);
}

}  // namespace

std::uint32_t crc32(std::string_view bytes, std::uint32_t crc) {
  // zlib's crc32_z takes a size_t length, so payloads above 4 GiB need no chunking.
  return static_cast<std::uint32_t>(
      ::crc32_z(crc, reinterpret_cast<const Bytef*>(bytes.data()), bytes.size()));
}

std::string seal_snapshot(std::uint32_t format_version, std::string_view payload) {
  std::string out;
  out.reserve(kSnapshotHeaderBytes + payload.size());
  out.append(kSnapshotHeaderBytes, '\0');
  out.append(payload);
  seal_snapshot_in_place(format_version, out);
  return out;
}

void seal_snapshot_in_place(std::uint32_t format_version, std::string& buffer) {
  const std::string_view payload = std::string_view(buffer).substr(kSnapshotHeaderBytes);
  std::string header;
  header.append(kSnapshotMagic);
  put_le(header, format_version, 4);
  put_le(header, payload.size(), 8);
  put_le(header, crc32(payload), 4);
  buffer.replace(0, kSnapshotHeaderBytes, header);
}

Result<std::string_view> open_snapshot(std::string_view file_bytes,
                                       std::uint32_t expected_version) {
  const std::size_t magic_len = std::min(file_bytes.size(), kSnapshotMagic.size());
  if (file_bytes.empty() ||
      file_bytes.substr(0, magic_len) != kSnapshotMagic.substr(0, magic_len)) {
    return malformed("snapshot: bad magic (not a leakwatch snapshot)");
  }
  if (file_bytes.size() < kSnapshotHeaderBytes) {
    return malformed("snapshot: truncated header (" + std::to_string(file_bytes.size()) +
                     " bytes)");
  }
  const auto version = static_cast<std::uint32_t>(get_le(file_bytes, 8, 4));
  if (version != expected_version) {
    return malformed("snapshot: foreign version " + std::to_string(version) + " (expected " +
                     std::to_string(expected_version) + ")");
  }
  const std::uint64_t length = get_le(file_bytes, 12, 8);
  const std::size_t have = file_bytes.size() - kSnapshotHeaderBytes;
  if (length > have) {
    return malformed("snapshot: truncated payload (header says " + std::to_string(length) +
                     " bytes, file has " + std::to_string(have) + ")");
  }
  if (length < have) {
    return malformed("snapshot: " + std::to_string(have - length) +
                     " trailing bytes after the payload");
  }
  const std::string_view payload = file_bytes.substr(kSnapshotHeaderBytes);
  const auto stored = static_cast<std::uint32_t>(get_le(file_bytes, 20, 4));
  const std::uint32_t computed = crc32(payload);
  if (stored != computed) {
    return malformed("snapshot: CRC mismatch (stored " + hex32(stored) + ", computed " +
                     hex32(computed) + ")");
  }
  return payload;
}

Status write_file_atomically(const std::string& path, std::string_view bytes) {
  TempFileGuard tmp(path + ".tmp." + std::to_string(::getpid()));
  // NOLINTNEXTLINE(cppcoreguidelines-pro-type-vararg): open(2) takes the mode as a vararg
  UniqueFd fd(
      ::open(tmp.path().c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600));
  if (!fd.valid()) {
    const int err = errno;
    tmp.disarm();  // nothing was created (or it is not ours to remove)
    return io_error(err, "create " + tmp.path());
  }
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd.get(), bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      const int err = errno;
      return io_error(err, "write " + tmp.path());
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  if (::fsync(fd.get()) != 0) {
    const int err = errno;
    return io_error(err, "fsync " + tmp.path());
  }
  if (::close(fd.release()) != 0) {  // NFS and some filesystems report write errors here
    const int err = errno;
    return io_error(err, "close " + tmp.path());
  }
  if (::rename(tmp.path().c_str(), path.c_str()) != 0) {
    const int err = errno;
    return io_error(err, "rename to " + path);
  }
  tmp.disarm();
  const std::string dir = parent_dir(path);
  auto dfd = open_at(AT_FDCWD, dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (!dfd) {
    Error e = dfd.error();
    e.kind = ErrorKind::kIo;
    return e;
  }
  if (::fsync(dfd->get()) != 0) {
    const int err = errno;
    return io_error(err, "fsync directory " + dir);
  }
  return Ok{};
}

Result<std::string> read_file(const std::string& path, std::size_t max_bytes) {
  std::string buf;
  if (auto text = read_all_at(AT_FDCWD, path.c_str(), buf, max_bytes); !text) {
    return text.error();
  }
  return buf;
}

}  // namespace lw::store
