#pragma once

// The kernel half of a session: the BPF skeleton loaded for one target, its uprobes attached to
// the target's allocator, the ring buffer of sampled stacks, the call counters and the live map.
// One Capture per session, used from one thread.

#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "base/result.h"
#include "sites/record.h"
#include "sites/target.h"

namespace lw::sites {

struct CaptureOptions {
  int pid = 0;
  std::uint64_t sample_interval = 512ULL * 1024;  // mean bytes between samples, 1 .. 1 GiB
  std::uint32_t stack_bytes = 8192;               // user stack copied per sample, <= 16 KiB
  std::uint32_t max_live = 65536;                 // live-map entries
  std::uint32_t ring_bytes = 4U << 20;            // ring buffer (a power of two, >= 4 KiB)
};

// Totals since attach, summed over CPUs.
struct CaptureCounters {
  std::array<std::uint64_t, kAllocSymbolCount> calls{};  // per symbol
  std::uint64_t sampled = 0;
  std::uint64_t lost_ringbuf = 0;  // stack records dropped: the ring buffer was full
  std::uint64_t live_full = 0;     // sampled allocations dropped: the live map was full
  std::uint64_t nested = 0;
  std::uint64_t failed = 0;
  // Probe hits: every call traps at entry, allocating calls also at return.
  std::uint64_t traps() const;
};

// A sampled allocation still live in the target (not yet freed).
struct LiveEntry {
  std::uint64_t address = 0;
  std::uint64_t size = 0;
  std::uint64_t weight = 0;
  std::uint64_t time_ns = 0;  // CLOCK_MONOTONIC
  std::uint64_t record_id = 0;
};

class Capture {
 public:
  // Loads the BPF object and attaches the probe phase's probes only: the entries of `malloc` and
  // `free`, which only count calls (no sampling), so that a detach in the probe phase removes two
  // uprobes, not all of them. Errors: kDenied when the kernel refuses the load or the attach for
  // lack of privilege (the detail names the call), kIo otherwise.
  static Result<std::unique_ptr<Capture>> open(const CaptureOptions& opts,
                                               const AllocatorTarget& target);
  // Attaches every other probe (return probes, the other allocator entries), then starts
  // sampling. Calls before it are counted (malloc, free) but not sampled. Same errors as open().
  Status attach_rest();
  Capture(const Capture&) = delete;
  Capture& operator=(const Capture&) = delete;
  ~Capture();

  // Removes every uprobe: the target stops paying for them at once. Maps stay readable.
  void detach();
  bool attached() const;
  std::size_t probe_count() const;

  // Hands each ring-buffer record to `sink`, waiting up to `timeout` for the first one. Records
  // that do not decode are counted (decode_errors) and dropped.
  Result<std::size_t> poll(std::chrono::milliseconds timeout,
                           const std::function<void(SampleRecord&&)>& sink);
  std::uint64_t decode_errors() const;

  CaptureCounters counters() const;
  Result<std::vector<LiveEntry>> live() const;

  struct Impl;

 private:
  explicit Capture(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// CAP_BPF, CAP_PERFMON (or CAP_SYS_ADMIN for both) in this process's effective set: empty when
// present, else the message naming what is missing.
std::string missing_privileges();

}  // namespace lw::sites
