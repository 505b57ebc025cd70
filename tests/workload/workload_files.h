#pragma once

// The workload's files (workload.cpp): a mapped file read into residence (RssFile), an unlinked
// file for cachefill and shmleak, and the cachefill reader. A test program's helpers: errors print
// and exit (3 for setup, 4 for a full cgroup or tmpfs), as the tests expect of the workload.

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include <sys/mman.h>
#include <unistd.h>

namespace lw::workload {

inline constexpr std::size_t kMiB = 1 << 20;

// A file in /tmp of `mib` MiB, mapped shared and read: resident file pages (RssFile).
struct FileMap {
  void* addr = nullptr;
  std::size_t size = 0;
  std::size_t touched = 0;
  void open(std::size_t bytes) {
    char path[] = "/tmp/lw-workload-XXXXXX";
    const int fd = ::mkstemp(path);
    if (fd < 0 || ::ftruncate(fd, static_cast<off_t>(bytes)) != 0) {
      std::perror("file");
      std::exit(3);
    }
    ::unlink(path);
    std::vector<char> page(4096, 'f');
    for (std::size_t off = 0; off < bytes; off += page.size()) {
      if (::pwrite(fd, page.data(), page.size(), static_cast<off_t>(off)) < 0) {
        std::perror("pwrite");
        std::exit(3);
      }
    }
    addr = ::mmap(nullptr, bytes, PROT_READ, MAP_SHARED, fd, 0);
    ::close(fd);
    if (addr == MAP_FAILED) {
      std::perror("mmap file");
      std::exit(3);
    }
    size = bytes;
  }
  // Reads pages up to `upto` bytes so they become resident in this process.
  void touch(std::size_t upto) {
    volatile const char* p = static_cast<const char*>(addr);
    for (; touched < std::min(upto, size); touched += 4096) {
      (void)p[touched];
    }
  }
};

// An unlinked file in `dir` for cachefill and shmleak: it vanishes with the process, even when
// the OOM killer ends it.
inline int unlinked_file(const std::string& dir) {
  std::string path = dir + "/lw-workload-XXXXXX";
  const int fd = ::mkstemp(path.data());
  if (fd < 0) {
    std::perror("mkstemp");
    std::exit(3);
  }
  ::unlink(path.c_str());
  return fd;
}

inline void write_fully(int fd, const char* data, std::size_t n, off_t off) {
  while (n > 0) {
    const ssize_t w = ::pwrite(fd, data, n, off);
    if (w < 0) {
      std::printf("full %d\n", errno);
      std::fflush(stdout);
      std::exit(4);
    }
    data += w;
    off += w;
    n -= static_cast<std::size_t>(w);
  }
}

// cachefill: a file written once (flushed every 4 MiB, so dirty pages stay few), then read round
// and round, `step` bytes per call.
struct CacheFile {
  int fd = -1;
  std::size_t size = 0;
  std::size_t offset = 0;
  std::vector<char> buf = std::vector<char>(kMiB, 'c');
  void create(const std::string& dir, std::size_t bytes) {
    fd = unlinked_file(dir);
    size = bytes;
    for (std::size_t off = 0; off < size; off += kMiB) {
      write_fully(fd, buf.data(), std::min(kMiB, size - off), static_cast<off_t>(off));
      if ((off / kMiB) % 4 == 3) {
        ::fdatasync(fd);
      }
    }
    ::fdatasync(fd);
  }
  void read(std::size_t step) {
    while (step > 0 && size > 0) {
      const std::size_t n = std::min({step, buf.size(), size - offset});
      if (::pread(fd, buf.data(), n, static_cast<off_t>(offset)) <= 0) {
        return;
      }
      step -= n;
      offset = (offset + n) % size;
    }
  }
};

}  // namespace lw::workload
