// lw_go_like: a program that carries a .go.buildinfo section, as every Go binary does, so the
// attribution command's Go refusal can be tested without a Go toolchain. Sleeps until killed.
#include <cstdio>

#include <unistd.h>

// NOLINTNEXTLINE(modernize-avoid-c-arrays): the section holds bytes, as Go's does
__attribute__((used, section(".go.buildinfo"))) static const char kBuildinfo[16] =
    "\xff Go buildinf:";

int main() {
  (void)std::printf("ready %d\n", static_cast<int>(getpid()));
  (void)std::fflush(stdout);
  for (;;) {
    pause();
  }
}
