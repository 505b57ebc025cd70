#pragma once

// Retained bytes by stack: the sampled allocations still live and older than the minimum age at
// the end of a session, each standing for `weight` bytes, grouped by their frames. Pure.

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "sites/stack_sample.h"

namespace lw::sites {

struct RetainedSample {
  std::vector<Frame> frames;  // innermost first; empty when the stack could not be unwound
  std::uint64_t weight = 0;   // bytes this sample stands for
};

struct Site {
  std::uint64_t bytes = 0;  // estimated retained bytes (sum of weights)
  double share = 0;         // of all retained bytes (unwound or not), 0..1
  std::uint64_t samples = 0;
  double bytes_per_second = 0;  // growth over the session: bytes / session length
  std::vector<Frame> frames;
};

struct Ranking {
  std::vector<Site> sites;  // by bytes, largest first; at most `top`
  std::uint64_t total_bytes = 0;
  std::uint64_t samples = 0;
  std::uint64_t unwound_bytes = 0;  // of total_bytes, in samples that have frames
  bool enough = false;              // samples >= min_samples: the ranking means something
};

// Groups samples with the same frames (module, offset and function of every frame). Samples
// without frames count in total_bytes but form no site.
Ranking rank_sites(const std::vector<RetainedSample>& samples, std::chrono::nanoseconds session,
                   std::size_t min_samples, std::size_t top);

// A stable key for one stack (build-id or module, offset and function of every frame).
std::string stack_key(const std::vector<Frame>& frames);

}  // namespace lw::sites
