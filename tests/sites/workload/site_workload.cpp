// lw_site_workload: the target of the allocation-site attribution tests (issue 13). Built with -g,
// -O2 and -fomit-frame-pointer, so only DWARF CFI unwinds it. Four threads:
//   leaker   leak_sessions(): keeps 16 KiB "sessions" in a map, never frees them (the leak)
//   churner  handle_request(): mallocs, fills and frees 512 KiB buffers (mmap'd and munmap'd by
//            glibc), keeping 256 bytes every 64 requests (far less than it churns)
//   toucher  touch_once(): fills a --touch-mib buffer once before "ready", then idles
//   plugin   waits for SIGUSR1 (or --dlopen-after-ms), dlopens libsite_plugin.so and leaks
//            through site_plugin_leak()
// Prints "ready <pid>" once the toucher is done and "plugin loaded" after the dlopen.
//
//   --leak-kib-per-s N    (default 512)    --churn-per-s N      (default 200)
//   --plugin-kib-per-s N  (default 128)    --touch-mib N        (default 64)
//   --dlopen-after-ms N   dlopen after N ms instead of waiting for SIGUSR1
//   --plugin PATH         (default: libsite_plugin.so next to this executable)
//   --duration S          exit after S seconds (default: run until SIGTERM/SIGINT)
//   --stop-in leak|churn|plugin   print "stopping tid N" and raise SIGSTOP once, inside that
//                         function's allocation path (the unwinding tests attach there)

#include <array>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include <dlfcn.h>
#include <pthread.h>
#include <unistd.h>

// This program exists to make raw malloc/free traffic for the allocator probes to see.
// NOLINTBEGIN(cppcoreguidelines-no-malloc,cppcoreguidelines-owning-memory)
namespace {

struct Options {
  long leak_kib_per_s = 512;
  long churn_per_s = 200;
  long plugin_kib_per_s = 128;
  long touch_mib = 64;
  long dlopen_after_ms = -1;
  long duration_s = -1;
  std::string plugin;
  std::string stop_in;
};

Options g_opt;
std::atomic<bool> g_quit{false};
std::unordered_map<long, void*> g_sessions;  // the leak: never erased
std::vector<void*> g_churn_kept;
void* g_touched = nullptr;

constexpr std::size_t kSessionBytes = std::size_t{16} * 1024;
constexpr std::size_t kRequestBytes =
    std::size_t{512} * 1024;  // above glibc's mmap threshold (128 KiB)
constexpr auto kTick = std::chrono::milliseconds(10);

// The stop point of the unwinding tests: the stand-in for the allocator's entry.
__attribute__((noinline)) void checkpoint(bool stop) {
  if (stop) {
    (void)std::printf("stopping tid %d\n", static_cast<int>(gettid()));
    (void)std::fflush(stdout);
    (void)raise(SIGSTOP);  // SITE:raise
  }
  asm volatile("" ::: "memory");
}

inline __attribute__((always_inline)) void remember_session(long id, bool stop) {
  checkpoint(stop);  // SITE:remember_call
  void* s = std::malloc(kSessionBytes);
  std::memset(s, 0x11, kSessionBytes);
  g_sessions.emplace(id, s);
}

__attribute__((noinline)) void leak_sessions(long first, long count, bool stop) {
  for (long i = 0; i < count; ++i) {
    remember_session(first + i, stop && i == 0);  // SITE:leak_call
  }
  asm volatile("" ::: "memory");
}

__attribute__((noinline)) void handle_request(long n, bool stop) {
  checkpoint(stop);  // SITE:churn_call
  auto* buf = static_cast<char*>(std::malloc(kRequestBytes));
  std::memset(buf, static_cast<int>(n & 0x7f), kRequestBytes);
  asm volatile("" : : "r"(buf) : "memory");
  std::free(buf);
  if (n % 64 == 0) {
    g_churn_kept.push_back(std::malloc(256));
  }
}

__attribute__((noinline)) void touch_once(std::size_t bytes) {
  g_touched = std::malloc(bytes);
  std::memset(g_touched, 0x22, bytes);
}

// Runs `per_tick(units)` every tick so that `per_second` units are done each second.
template <typename Fn>
void paced(long per_second, Fn&& per_tick) {
  using clock = std::chrono::steady_clock;
  const auto start = clock::now();
  long done = 0;
  while (!g_quit.load()) {
    const double elapsed = std::chrono::duration<double>(clock::now() - start).count();
    const auto due = static_cast<long>(elapsed * static_cast<double>(per_second));
    if (due > done) {
      per_tick(done, due - done);
      done = due;
    }
    std::this_thread::sleep_for(kTick);
  }
}

void leaker() {
  bool stop = g_opt.stop_in == "leak";
  paced(g_opt.leak_kib_per_s * 1024 / static_cast<long>(kSessionBytes), [&](long done, long n) {
    leak_sessions(done, n, stop);
    stop = false;
  });
}

void churner() {
  bool stop = g_opt.stop_in == "churn";
  paced(g_opt.churn_per_s, [&](long done, long n) {
    for (long i = 0; i < n; ++i) {
      handle_request(done + i, stop);
      stop = false;
    }
  });
}

std::string default_plugin_path() {
  std::array<char, 4096> exe{};
  const ssize_t n = readlink("/proc/self/exe", exe.data(), exe.size() - 1);
  std::string path(exe.data(), n > 0 ? static_cast<std::size_t>(n) : 0);
  return path.substr(0, path.rfind('/') + 1) + "libsite_plugin.so";
}

void plugin_thread() {
  if (g_opt.dlopen_after_ms >= 0) {
    std::this_thread::sleep_for(std::chrono::milliseconds(g_opt.dlopen_after_ms));
  } else {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    int sig = 0;
    sigwait(&set, &sig);
  }
  if (g_quit.load()) {
    return;
  }
  const std::string path = g_opt.plugin.empty() ? default_plugin_path() : g_opt.plugin;
  void* handle = dlopen(path.c_str(), RTLD_NOW);
  auto* leak =
      handle != nullptr
          ? reinterpret_cast<void* (*)(std::size_t, int)>(dlsym(handle, "site_plugin_leak"))
          : nullptr;
  if (leak == nullptr) {
    // NOLINTNEXTLINE(concurrency-mt-unsafe): one dlopen, in this thread only
    (void)std::fprintf(stderr, "dlopen %s: %s\n", path.c_str(), dlerror());
    _exit(3);
  }
  (void)std::printf("plugin loaded\n");
  (void)std::fflush(stdout);
  bool stop = g_opt.stop_in == "plugin";
  paced(g_opt.plugin_kib_per_s / 4, [&](long /*done*/, long n) {  // 4 KiB each
    for (long i = 0; i < n; ++i) {
      leak(4096, stop ? 1 : 0);
      stop = false;
    }
  });
}

bool parse_args(int argc, char** argv) {
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string key = argv[i];
    const char* v = argv[i + 1];
    if (key == "--leak-kib-per-s")
      g_opt.leak_kib_per_s = std::atol(v);
    else if (key == "--churn-per-s")
      g_opt.churn_per_s = std::atol(v);
    else if (key == "--plugin-kib-per-s")
      g_opt.plugin_kib_per_s = std::atol(v);
    else if (key == "--touch-mib")
      g_opt.touch_mib = std::atol(v);
    else if (key == "--dlopen-after-ms")
      g_opt.dlopen_after_ms = std::atol(v);
    else if (key == "--duration")
      g_opt.duration_s = std::atol(v);
    else if (key == "--plugin")
      g_opt.plugin = v;
    else if (key == "--stop-in")
      g_opt.stop_in = v;
    else
      return false;
  }
  return argc % 2 == 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (!parse_args(argc, argv)) {
    (void)std::fprintf(stderr, "usage: see the comment at the top of site_workload.cpp\n");
    return 2;
  }
  // SIGUSR1 (the dlopen trigger) and the exit signals are taken by sigwait, never delivered.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGUSR1);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  std::atomic<bool> touched{false};
  std::vector<std::thread> threads;
  threads.emplace_back([&touched] {
    touch_once(static_cast<std::size_t>(g_opt.touch_mib) << 20);
    touched.store(true);
    while (!g_quit.load()) {  // the toucher: its buffer stays, it does nothing more
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  });
  while (!touched.load()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  (void)std::printf("ready %d\n", static_cast<int>(getpid()));
  (void)std::fflush(stdout);
  threads.emplace_back(leaker);
  threads.emplace_back(churner);
  std::thread plugin(plugin_thread);
  sigset_t exit_set;
  sigemptyset(&exit_set);
  sigaddset(&exit_set, SIGTERM);
  sigaddset(&exit_set, SIGINT);
  if (g_opt.duration_s >= 0) {
    timespec ts{g_opt.duration_s, 0};
    sigtimedwait(&exit_set, nullptr, &ts);
  } else {
    int sig = 0;
    sigwait(&exit_set, &sig);
  }
  g_quit.store(true);
  for (auto& t : threads) {
    t.join();
  }
  pthread_kill(plugin.native_handle(), SIGUSR1);
  plugin.join();
  return 0;
}
// NOLINTEND(cppcoreguidelines-no-malloc,cppcoreguidelines-owning-memory)
