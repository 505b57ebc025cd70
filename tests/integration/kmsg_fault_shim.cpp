// An LD_PRELOAD shim for the fault matrix (fault_runtime_test.cpp, RELIABILITY.md): makes the
// file named by LW_KMSG_FAULT_PATH behave like /dev/kmsg whose ring buffer keeps overwriting
// unread records. The real /dev/kmsg cannot be made to do that on demand (user writes are
// rate-limited), and a plain file or FIFO never returns EPIPE.
//
// On the descriptor the daemon opened for that path (openat is intercepted), read():
// - fails with EPIPE on every LW_KMSG_FAULT_EVERY-th call (default 2), as /dev/kmsg does when
//   records were overwritten;
// - otherwise returns one line at a time (seeking back over the rest), as /dev/kmsg returns one
//   record per read, and EAGAIN at the end of the file instead of 0.
// Every other descriptor is untouched. Not sanitized (an LD_PRELOAD library must not be).

#include <atomic>
#include <cerrno>
#include <cstdarg>
#include <cstdlib>
#include <cstring>

#include <dlfcn.h>
#include <fcntl.h>
#include <unistd.h>

namespace {

using ReadFn = ssize_t (*)(int, void*, size_t);
using OpenatFn = int (*)(int, const char*, int, ...);

std::atomic<int> g_fd{-1};
std::atomic<unsigned long> g_reads{0};

template <typename Fn>
Fn next_symbol(const char* name) {
  return reinterpret_cast<Fn>(::dlsym(RTLD_NEXT, name));
}

}  // namespace

extern "C" int openat(int dirfd, const char* path, int flags, ...) {
  static const auto real = next_symbol<OpenatFn>("openat");
  mode_t mode = 0;
  if ((flags & (O_CREAT | O_TMPFILE)) != 0) {
    va_list ap;
    va_start(ap, flags);
    mode = va_arg(ap, mode_t);  // NOLINT(clang-analyzer-valist.Uninitialized): va_start above
    va_end(ap);
  }
  const int fd = real(dirfd, path, flags, mode);
  const char* target = std::getenv("LW_KMSG_FAULT_PATH");  // NOLINT(concurrency-mt-unsafe)
  if (fd >= 0 && target != nullptr && std::strcmp(path, target) == 0) {
    g_fd = fd;
  }
  return fd;
}

extern "C" ssize_t read(int fd, void* buf, size_t n) {
  static const auto real = next_symbol<ReadFn>("read");
  if (fd < 0 || fd != g_fd.load()) {
    return real(fd, buf, n);
  }
  const char* every_env = std::getenv("LW_KMSG_FAULT_EVERY");  // NOLINT(concurrency-mt-unsafe)
  const long every = every_env != nullptr ? std::atol(every_env) : 2;
  if (every > 0 && ++g_reads % static_cast<unsigned long>(every) == 0) {
    errno = EPIPE;
    return -1;
  }
  const ssize_t got = real(fd, buf, n);
  if (got == 0) {
    errno = EAGAIN;
    return -1;
  }
  if (got < 0) {
    return got;
  }
  const auto* nl = static_cast<const char*>(std::memchr(buf, '\n', static_cast<size_t>(got)));
  if (nl == nullptr) {
    return got;
  }
  const ssize_t keep = nl - static_cast<const char*>(buf) + 1;
  if (keep < got) {
    (void)::lseek(fd, keep - got, SEEK_CUR);
  }
  return keep;
}
