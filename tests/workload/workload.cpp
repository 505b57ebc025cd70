// lw_workload: a process that shapes its own memory and file descriptors over time, for the
// integration and end-to-end tests. It prints "ready <pid>" on stdout once its initial state is
// in place, then follows its pattern until --duration or a signal ends it.
//
//   --mode hold       --base MiB anon touched, --fds N open, --file MiB mapped and read,
//                     --huge MiB MADV_HUGEPAGE region; then idles
//   --mode leak       grows --rate bytes/s of anon memory, never frees
//   --mode plateau    grows --rate bytes/s for --period s, then stays flat (warm-up)
//   --mode sawtooth   grows --rate bytes/s to --base + --peak MiB, frees back to --base, repeats
//   --mode risingsaw  like sawtooth, but every cycle keeps 1/3 of what it allocated (a leak)
//   --mode steps      --bursts bursts of --peak MiB, one every --period s, then flat
//   --mode file       grows the page cache it maps (file-backed: RssFile), anon stays flat
//   --mode fdleak     opens --rate fds/s and never closes them
//   --mode oom        grows --rate bytes/s until the kernel kills it
//   --mode lateleak   holds --base MiB flat (re-reading it, so it stays resident) for
//                     --flat-seconds s, prints "onset", then grows --rate bytes/s, never frees
//   --mode cachefill  holds --base MiB anon flat; writes a --cache-file MiB file in --dir
//                     (default /var/tmp; unlinked at once, so nothing is left behind), flushing
//                     every 4 MiB, then reads it round and round at --rate bytes/s: page cache
//                     that fills its cgroup while the process's own memory stays flat
//   --mode shmleak    writes --rate bytes/s into an unlinked file in --dir (default /dev/shm):
//                     tmpfs pages charged to its cgroup, none in its own RSS; prints "full" and
//                     exits 4 if a write fails (the cgroup or the tmpfs is full)
//   --mode idle       does nothing
//   --mode leaderexit like hold, but run by a second thread: the main thread (the group's
//                     leader) calls pthread_exit(), so /proc/<pid> shows a zombie leader while
//                     the process lives on; "ready" is printed once the leader is gone
// --name sets the comm (prctl PR_SET_NAME), including hostile names (given as raw bytes).
// --tick is the update period in ms (default 50). Time in this program is real time: the tests
// compress the daemon's durations, not the workload's clock.

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <pthread.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "workload_files.h"

namespace {

using lw::workload::CacheFile;
using lw::workload::FileMap;
using lw::workload::kMiB;
using lw::workload::unlinked_file;
using lw::workload::write_fully;

struct Options {
  std::string mode = "idle";
  std::string name;
  double rate = 0;  // bytes/s (or fds/s)
  double base_mib = 0;
  double peak_mib = 16;
  double period_s = 5;
  double duration_s = 3600;
  double flat_s = 0;  // lateleak: seconds of flat memory before the leak starts
  int bursts = 3;
  int fds = 0;
  double file_mib = 0;
  double huge_mib = 0;
  double cache_file_mib = 0;
  std::string dir;
  int tick_ms = 50;
};

// Anonymous memory in mmap'd chunks, so freeing really returns it to the kernel.
class Anon {
 public:
  void grow(std::size_t bytes) {
    pending_ += bytes;
    while (pending_ >= kChunk) {
      void* p = ::mmap(nullptr, kChunk, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
      if (p == MAP_FAILED) {
        std::perror("mmap");
        std::exit(3);
      }
      std::memset(p, 0x5a, kChunk);  // touch every page: resident, private, dirty
      chunks_.push_back(p);
      pending_ -= kChunk;
    }
  }
  void shrink_to(std::size_t bytes) {
    while (!chunks_.empty() && chunks_.size() * kChunk > bytes) {
      ::munmap(chunks_.back(), kChunk);
      chunks_.pop_back();
    }
    pending_ = 0;
  }
  std::size_t size() const { return chunks_.size() * kChunk; }
  // Reads one byte of every page: a flat process still uses its memory, and pages it reads are
  // not the cold ones reclaim picks first.
  void read_all() const {
    for (void* chunk : chunks_) {
      volatile const char* p = static_cast<const char*>(chunk);
      for (std::size_t off = 0; off < kChunk; off += 4096) {
        (void)p[off];
      }
    }
  }

 private:
  static constexpr std::size_t kChunk = 256 * 1024;
  std::vector<void*> chunks_;
  std::size_t pending_ = 0;
};

bool parse(int argc, char** argv, Options& o) {
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    if (i + 1 >= argc) {
      std::fprintf(stderr, "missing value for %s\n", argv[i]);
      return false;
    }
    const char* v = argv[++i];
    if (a == "--mode") {
      o.mode = v;
    } else if (a == "--name") {
      o.name = v;
    } else if (a == "--rate") {
      o.rate = std::atof(v);
    } else if (a == "--base") {
      o.base_mib = std::atof(v);
    } else if (a == "--peak") {
      o.peak_mib = std::atof(v);
    } else if (a == "--period") {
      o.period_s = std::atof(v);
    } else if (a == "--duration") {
      o.duration_s = std::atof(v);
    } else if (a == "--flat-seconds") {
      o.flat_s = std::atof(v);
    } else if (a == "--bursts") {
      o.bursts = std::atoi(v);
    } else if (a == "--fds") {
      o.fds = std::atoi(v);
    } else if (a == "--file") {
      o.file_mib = std::atof(v);
    } else if (a == "--huge") {
      o.huge_mib = std::atof(v);
    } else if (a == "--cache-file") {
      o.cache_file_mib = std::atof(v);
    } else if (a == "--dir") {
      o.dir = v;
    } else if (a == "--tick") {
      o.tick_ms = std::atoi(v);
    } else {
      std::fprintf(stderr, "unknown option %s\n", argv[i - 1]);
      return false;
    }
  }
  return true;
}

}  // namespace

int run(const Options& o);

// The leader of the thread group exits; a second thread waits for that (the leader's stat says
// 'Z'), then runs the rest of the program as `hold`.
[[noreturn]] void leader_exit(const Options& o) {
  const pid_t pid = ::getpid();
  std::thread([o, pid] {
    const std::string stat_path = "/proc/" + std::to_string(pid) + "/stat";
    for (int i = 0; i < 1000; ++i) {
      std::string text(512, '\0');
      const int fd = ::open(stat_path.c_str(), O_RDONLY | O_CLOEXEC);
      const ssize_t got = fd >= 0 ? ::read(fd, text.data(), text.size()) : -1;
      if (fd >= 0) {
        ::close(fd);
      }
      const std::size_t n = got > 0 ? static_cast<std::size_t>(got) : 0;
      text.resize(n);
      const auto paren = text.rfind(')');
      if (paren != std::string::npos && paren + 2 < text.size() && text[paren + 2] == 'Z') {
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    Options hold = o;
    hold.mode = "hold";
    std::exit(run(hold));  // NOLINT(concurrency-mt-unsafe): the leader is gone, one thread left
  }).detach();
  ::pthread_exit(nullptr);
}

int main(int argc, char** argv) {
  Options o;
  if (!parse(argc, argv, o)) {
    return 2;
  }
  if (o.mode == "leaderexit") {
    leader_exit(o);
  }
  return run(o);
}

int run(const Options& o) {
  if (!o.name.empty()) {
    ::prctl(PR_SET_NAME, o.name.c_str(), 0, 0, 0);
  }
  Anon anon;
  anon.grow(static_cast<std::size_t>(o.base_mib * kMiB));
  std::vector<int> fds;
  for (int i = 0; i < o.fds; ++i) {
    fds.push_back(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  }
  FileMap file;
  if (o.file_mib > 0 || o.mode == "file") {
    file.open(static_cast<std::size_t>(std::max(o.file_mib, o.peak_mib) * kMiB));
    if (o.mode != "file") {
      file.touch(file.size);
    }
  }
  if (o.huge_mib > 0) {
    const std::size_t len = static_cast<std::size_t>(o.huge_mib * kMiB);
    // Over-allocate to align on 2 MiB, then ask for huge pages and touch.
    auto* raw = static_cast<char*>(::mmap(nullptr, len + 2 * kMiB, PROT_READ | PROT_WRITE,
                                          MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    char* aligned = reinterpret_cast<char*>((reinterpret_cast<std::uintptr_t>(raw) + 2 * kMiB - 1) &
                                            ~(2 * kMiB - 1));
    ::madvise(aligned, len, MADV_HUGEPAGE);
    std::memset(aligned, 1, len);
  }
  CacheFile cache;
  if (o.mode == "cachefill") {
    cache.create(o.dir.empty() ? "/var/tmp" : o.dir,
                 static_cast<std::size_t>(o.cache_file_mib * kMiB));
  }
  const int shm_fd = o.mode == "shmleak" ? unlinked_file(o.dir.empty() ? "/dev/shm" : o.dir) : -1;
  off_t shm_size = 0;
  const std::vector<char> shm_bytes(kMiB, 's');
  std::printf("ready %d\n", static_cast<int>(::getpid()));
  std::fflush(stdout);

  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  const auto tick = std::chrono::milliseconds(o.tick_ms);
  const std::size_t base = static_cast<std::size_t>(o.base_mib * kMiB);
  const std::size_t peak = static_cast<std::size_t>(o.peak_mib * kMiB);
  double carry = 0;
  std::size_t floor_bytes = base;
  int bursts_done = 0;
  bool leak_started = false;
  double next_read_s = 0;
  auto next = start;
  for (;;) {
    next += tick;
    std::this_thread::sleep_until(next);
    const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
    if (elapsed >= o.duration_s) {
      break;
    }
    if (o.mode == "lateleak" && elapsed < o.flat_s) {
      // Once a second: the flat phase must cost next to nothing on a loaded test host.
      if (elapsed >= next_read_s) {
        anon.read_all();
        next_read_s = elapsed + 1;
      }
      continue;
    }
    if (o.mode == "lateleak" && !leak_started) {
      leak_started = true;
      std::printf("onset\n");
      std::fflush(stdout);
    }
    carry += o.rate * o.tick_ms / 1000.0;
    const auto step = static_cast<std::size_t>(carry);
    carry -= static_cast<double>(step);
    if (o.mode == "leak" || o.mode == "oom" || o.mode == "lateleak") {
      anon.grow(step);
    } else if (o.mode == "plateau") {
      if (elapsed < o.period_s) {
        anon.grow(step);
      }
    } else if (o.mode == "sawtooth" || o.mode == "risingsaw") {
      anon.grow(step);
      if (anon.size() >= floor_bytes + peak) {
        if (o.mode == "risingsaw") {
          floor_bytes += peak / 3;
        }
        anon.shrink_to(floor_bytes);
      }
    } else if (o.mode == "steps") {
      const int due = static_cast<int>(elapsed / o.period_s) + 1;
      while (bursts_done < std::min(due, o.bursts)) {
        anon.grow(peak);
        ++bursts_done;
      }
    } else if (o.mode == "file") {
      file.touch(static_cast<std::size_t>(o.rate * elapsed));
    } else if (o.mode == "cachefill") {
      cache.read(step);
      if (elapsed >= next_read_s) {  // its own anon stays resident, as in lateleak
        anon.read_all();
        next_read_s = elapsed + 1;
      }
    } else if (o.mode == "shmleak") {
      for (std::size_t left = step; left > 0;) {
        const std::size_t n = std::min(left, shm_bytes.size());
        write_fully(shm_fd, shm_bytes.data(), n, shm_size);
        shm_size += static_cast<off_t>(n);
        left -= n;
      }
    } else if (o.mode == "fdleak") {
      for (std::size_t i = 0; i < step; ++i) {
        fds.push_back(::open("/dev/null", O_RDONLY | O_CLOEXEC));
      }
    }
  }
  return 0;
}
