#include "store/atomic_file.h"

#include <cerrno>
#include <utility>

#include <fcntl.h>
#include <unistd.h>

namespace lw::store {

namespace {

Error io_error(int err, const std::string& what) {
  Error e = error_from_errno(err, what);
  e.kind = ErrorKind::kIo;
  return e;
}

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

Status fsync_directory(const std::string& dir) {
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

}  // namespace

Result<AtomicFile> AtomicFile::create(const std::string& path) {
  std::string temp = path + ".tmp." + std::to_string(::getpid());
  // NOLINTNEXTLINE(cppcoreguidelines-pro-type-vararg): open(2) takes the mode as a vararg
  UniqueFd fd(::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600));
  if (!fd.valid()) {
    const int err = errno;
    return io_error(err, "create " + temp);  // nothing was created, or it is not ours
  }
  return AtomicFile(path, std::move(temp), std::move(fd));
}

AtomicFile::AtomicFile(std::string path, std::string temp, UniqueFd fd)
    : path_(std::move(path)), temp_(std::move(temp)), fd_(std::move(fd)) {}

AtomicFile::AtomicFile(AtomicFile&& other) noexcept
    : path_(std::move(other.path_)),
      temp_(std::move(other.temp_)),
      fd_(std::move(other.fd_)),
      end_(other.end_),
      renamed_(std::exchange(other.renamed_, true)) {}  // the moved-from one removes nothing

AtomicFile::~AtomicFile() {
  if (!renamed_) {
    fd_.reset();
    ::unlink(temp_.c_str());
  }
}

Status AtomicFile::write(std::string_view bytes) {
  Status st = write_at(end_, bytes);
  if (st) {
    end_ += bytes.size();
  }
  return st;
}

Status AtomicFile::write_at(std::uint64_t offset, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::pwrite(fd_.get(), bytes.data(), bytes.size(), static_cast<off_t>(offset));
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      const int err = errno;
      return io_error(err, "write " + temp_);
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
    offset += static_cast<std::uint64_t>(n);
  }
  return Ok{};
}

Status AtomicFile::commit() {
  if (::fsync(fd_.get()) != 0) {
    const int err = errno;
    return io_error(err, "fsync " + temp_);
  }
  if (::close(fd_.release()) != 0) {  // NFS and some filesystems report write errors here
    const int err = errno;
    return io_error(err, "close " + temp_);
  }
  if (::rename(temp_.c_str(), path_.c_str()) != 0) {
    const int err = errno;
    return io_error(err, "rename to " + path_);
  }
  renamed_ = true;
  return fsync_directory(parent_dir(path_));
}

Status write_file_atomically(const std::string& path, std::string_view bytes) {
  auto file = AtomicFile::create(path);
  if (!file) {
    return file.error();
  }
  if (Status st = file->write(bytes); !st) {
    return st;
  }
  return file->commit();
}

}  // namespace lw::store
