// Fuzz target: the recording parser behind `leakwatchd --analyze FILE` (lib/recording).
// Properties: on success the samples' times strictly increase and every byte count is a finite
// non-negative number; any failure is kMalformed with a detail.

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz/fuzz_check.h"
#include "recording/parse.h"

using lw::fuzz::check;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto samples = lw::recording::parse_recording(text);
  lw::fuzz::check_parse(samples);
  if (samples) {
    check(!samples->empty(), "a parsed recording has samples");
    for (std::size_t i = 0; i < samples->size(); ++i) {
      const auto& s = (*samples)[i];
      check(std::isfinite(s.t) && std::isfinite(s.bytes) && s.bytes >= 0, "finite samples");
      check(i == 0 || s.t > (*samples)[i - 1].t, "times strictly increase");
    }
  }
  if (const auto t = lw::recording::parse_timestamp(text)) {
    check(std::isfinite(*t), "a timestamp is finite");
  }
  return 0;
}
