// lw_alloc_target: small targets for the attribution command's integration tests and benchmark
// (tests/integration/attribute_test.cpp, tests/bench/attribution.sh). One mode per run:
//   steady            malloc+free pairs at --rate per second, nothing kept (no growth)
//   heavy             malloc+free as fast as it can; prints "ops N" every second
//   light             --rate mallocs/s of 64..4096 bytes, freed at once; prints "ops N"/s
//   thread            after --after-ms, starts a thread that leaks 4 KiB at --rate per second
//                     in leak_in_new_thread(); prints "thread started"
//   exec              after --after-ms, execs /bin/sleep 60; prints "exec"
// Prints "ready <pid>" first. Runs until killed (or --seconds S).

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include <unistd.h>

// This program exists to call malloc and free.
// NOLINTBEGIN(cppcoreguidelines-no-malloc,cppcoreguidelines-owning-memory)

namespace {

using Clock = std::chrono::steady_clock;

std::atomic<long> g_ops{0};
void* volatile g_sink = nullptr;  // keeps the compiler from eliding malloc+free pairs

struct Options {
  std::string mode = "steady";
  long rate = 1000;
  long after_ms = 500;
  long seconds = 600;
};

// Sleeps so that `done` operations take `done / rate` seconds from `start`.
void pace(Clock::time_point start, long done, long rate) {
  if (rate <= 0) {
    return;
  }
  std::this_thread::sleep_until(start + std::chrono::microseconds(done * 1000000 / rate));
}

__attribute__((noinline)) void leak_in_new_thread(long rate) {
  const auto start = Clock::now();
  for (long i = 0;; ++i) {
    void* p = std::malloc(4096);
    std::memset(p, 1, 4096);
    g_sink = p;  // never freed
    pace(start, i + 1, rate);
  }
}

void steady(long rate) {
  const auto start = Clock::now();
  for (long i = 0;; ++i) {
    void* p = std::malloc(static_cast<std::size_t>(64 + (i % 64) * 64));
    g_sink = p;
    std::free(p);
    g_ops.fetch_add(1, std::memory_order_relaxed);
    pace(start, i + 1, rate);
  }
}

void heavy() {
  for (long i = 0;; ++i) {
    void* p = std::malloc(static_cast<std::size_t>(16 + (i & 255)));
    g_sink = p;
    std::free(p);
    g_ops.fetch_add(1, std::memory_order_relaxed);
  }
}

void report_ops() {
  long last = 0;
  for (;;) {
    std::this_thread::sleep_for(std::chrono::seconds(1));
    const long now = g_ops.load();
    (void)std::printf("ops %ld\n", now - last);
    (void)std::fflush(stdout);
    last = now;
  }
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i];
    const char* v = argv[i + 1];
    if (k == "--mode") {
      o.mode = v;
    } else if (k == "--rate") {
      o.rate = std::atol(v);
    } else if (k == "--after-ms") {
      o.after_ms = std::atol(v);
    } else if (k == "--seconds") {
      o.seconds = std::atol(v);
    }
  }
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = parse(argc, argv);
  (void)std::printf("ready %d\n", static_cast<int>(getpid()));
  (void)std::fflush(stdout);
  std::thread([s = o.seconds] {
    std::this_thread::sleep_for(std::chrono::seconds(s));
    std::_Exit(0);
  }).detach();
  if (o.mode == "heavy" || o.mode == "light") {
    std::thread(report_ops).detach();
  }
  if (o.mode == "thread" || o.mode == "exec") {
    std::this_thread::sleep_for(std::chrono::milliseconds(o.after_ms));
    if (o.mode == "exec") {
      (void)std::printf("exec\n");
      (void)std::fflush(stdout);
      execl("/bin/sleep", "sleep", "60", static_cast<char*>(nullptr));
      return 1;
    }
    std::thread(leak_in_new_thread, o.rate).detach();
    (void)std::printf("thread started\n");
    (void)std::fflush(stdout);
    steady(100);
  }
  if (o.mode == "heavy") {
    heavy();
  }
  steady(o.rate);
}

// NOLINTEND(cppcoreguidelines-no-malloc,cppcoreguidelines-owning-memory)
