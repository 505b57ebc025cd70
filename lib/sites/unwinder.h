#pragma once

// DWARF CFI unwinding and symbolization of one process's sampled stacks with elfutils' libdwfl.
// One Unwinder per target process, reused across samples: the modules it has reported, their
// debug information and every symbol it has looked up stay cached (keyed by build-id, so two
// processes' Unwinders could share them later). Not thread-safe: one thread drives it.
//
// x86_64 only. Opening the target's files through /proc/PID/map_files needs CAP_SYS_ADMIN (or
// root); without it the files are opened through /proc/PID/root/<path>, which works for a
// containerised target but not for a deleted file.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <sys/types.h>

#include "base/result.h"
#include "sites/stack_sample.h"

namespace lw::sites {

struct UnwindOptions {
  std::size_t max_frames = 64;
  // Read memory outside the stack copy (e.g. a caller's saved registers above the copied range)
  // from the live target with process_vm_readv. Off: such reads fail and the unwind stops there.
  bool read_target_memory = true;
  // Open the target's files through /proc/PID/map_files first (needs CAP_SYS_ADMIN; the only way
  // to a deleted file). Off: /proc/PID/root/<path>, then the path (tests of that fallback).
  bool use_map_files = true;
  // Where /proc is (tests).
  std::string proc_root = "/proc";
  // Debug files by build-id: <dir>/.build-id/xx/yyyy.debug. Empty: libdwfl's default
  // (/usr/lib/debug).
  std::string debuginfo_path;
};

struct UnwindStats {
  std::uint64_t samples = 0;
  std::uint64_t frames = 0;
  std::uint64_t map_refreshes = 0;  // /proc/PID/maps re-read on an unknown address
  std::uint64_t symbol_cache_hits = 0;
  std::uint64_t symbol_cache_misses = 0;
  std::uint64_t truncated = 0;  // unwinds that stopped on an error before max_frames
};

class Unwinder {
 public:
  explicit Unwinder(pid_t pid, UnwindOptions options = {});
  ~Unwinder();
  Unwinder(const Unwinder&) = delete;
  Unwinder& operator=(const Unwinder&) = delete;
  Unwinder(Unwinder&&) noexcept;
  Unwinder& operator=(Unwinder&&) noexcept;

  // Reads the target's module map. Called by the first unwind() if not before; call it at attach
  // to report a missing process (kGone) or missing permission (kDenied) early.
  Status attach();

  // The frames of one sample, innermost first (the allocator's entry, then its callers), inlined
  // frames expanded (each its own Frame with inlined = true, before the frame that contains it).
  // An error only when nothing could be unwound (the sample's pid is not this Unwinder's, the
  // process is gone, the first address is in no module even after a refresh); a partial stack is
  // a value with the frames found.
  Result<std::vector<Frame>> unwind(const StackSample& sample);

  // Symbolizes one absolute address of the target as seen now (the frames at that pc, inlined
  // first). For tests and for the capture side's own checks.
  Result<std::vector<Frame>> symbolize(std::uint64_t pc);

  // Bytes held by the caches, an estimate: our symbolized frames (keyed by build-id and ELF
  // address), module records and the last module map, plus the decompressed debug sections
  // libdw keeps for every module symbolized so far. libdw's parsed structures (line tables,
  // CFI, abbreviations) are not counted; the benchmark measures the heap.
  std::size_t cache_bytes() const;
  const UnwindStats& stats() const;
  pid_t pid() const;

  struct Impl;  // opaque; public only so the libdwfl callbacks in unwinder.cpp can name it

 private:
  std::unique_ptr<Impl> impl_;
};

// A stable key for grouping frames across samples: build-id (or module path) + offset, plus the
// function name for inlined frames (which share an address with their caller).
std::string frame_key(const Frame& frame);

// "function (file:line)" or "module+0xoffset [build-id]" for a person.
std::string frame_label(const Frame& frame);

}  // namespace lw::sites
