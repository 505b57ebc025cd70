// libsite_plugin.so: the library lw_site_workload dlopens mid-run. It leaks too, so an
// attribution session must name a site in a library that was not mapped when it attached.

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include <unistd.h>

// This program exists to make raw malloc/free traffic for the allocator probes to see.
// NOLINTBEGIN(cppcoreguidelines-no-malloc,cppcoreguidelines-owning-memory)
namespace {

std::vector<void*> g_plugin_kept;  // what the plugin leaks: never freed

// The stop point of the unwinding tests: the stand-in for the allocator's entry.
__attribute__((noinline)) void plugin_checkpoint(bool stop) {
  if (stop) {
    (void)std::printf("stopping tid %d\n", static_cast<int>(gettid()));
    (void)std::fflush(stdout);
    (void)raise(SIGSTOP);  // SITE:plugin_raise
  }
  asm volatile("" ::: "memory");
}

inline __attribute__((always_inline)) void* plugin_remember(std::size_t n, bool stop) {
  plugin_checkpoint(stop);  // SITE:plugin_remember_call
  void* p = std::malloc(n);
  std::memset(p, 0x5a, n);
  g_plugin_kept.push_back(p);
  return p;
}

}  // namespace

// Leaks `n` bytes per call; with `stop`, raises SIGSTOP first (once, in the caller's thread).
extern "C" __attribute__((visibility("default"), noinline)) void* site_plugin_leak(std::size_t n,
                                                                                   int stop) {
  void* p = plugin_remember(n, stop != 0);  // SITE:plugin_leak_call
  asm volatile("" ::: "memory");
  return p;
}
// NOLINTEND(cppcoreguidelines-no-malloc,cppcoreguidelines-owning-memory)
