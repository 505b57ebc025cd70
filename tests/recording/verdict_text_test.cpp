#include "recording/verdict_text.h"

#include <span>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "analysis/synth.h"

namespace lw::recording {
namespace {

using analysis::Thresholds;
namespace synth = analysis::synth;
using synth::kMiB;

// The synthetic series of the classifier's tests, as the parser would hand them over.
std::vector<Sample> recorded(std::span<const analysis::Sample> series) {
  std::vector<Sample> out;
  out.reserve(series.size());
  for (const analysis::Sample& s : series) {
    out.push_back({.t = s.t, .bytes = s.v});
  }
  return out;
}

TEST_CASE("recording: render_analysis of a leak names the verdict and the limit", "[recording]") {
  const auto s = synth::generate(synth::linear(200 * kMiB, 10 * kMiB),
                                 synth::Options().noise(kMiB).origin(20777.0 * 86400));
  const std::string out = render_analysis(recorded(s), 1024 * kMiB, Thresholds{});
  INFO(out);
  CHECK_THAT(out,
             Catch::Contains("2161 over 6h 0m (2026-11-20 00:00:00 .. 2026-11-20 06:00:00 UTC)"));
  CHECK_THAT(out, Catch::Contains("pattern     leak\n"));
  CHECK_THAT(out, Catch::Contains("verdict     LEAK SUSPECT (score 0.8"));
  CHECK_THAT(out, Catch::Contains("rate        +10.0 MiB/h"));
  // 260 MiB now, 764 MiB to go at 10 MiB/h: about 76 h.
  CHECK_THAT(out, Catch::Contains("limit       1.0 GiB reached in ~3d 4h (at 2026-11-23"));
  CHECK_THAT(out, Catch::Contains("series      ▁"));
  CHECK_THAT(out, Catch::EndsWith("█\n"));
}

TEST_CASE("recording: render_analysis of a sawtooth says no leak", "[recording]") {
  const auto s = synth::generate(synth::sawtooth(300 * kMiB, 200 * kMiB, 20 * synth::kMinute),
                                 synth::Options().noise(kMiB));
  const std::string out = render_analysis(recorded(s), 1024 * kMiB, Thresholds{});
  INFO(out);
  CHECK_THAT(out, Catch::Contains("verdict     no leak (pattern: sawtooth)"));
  CHECK_THAT(out, Catch::Contains("limit       1.0 GiB not reached at the current rate (no "
                                  "steady growth)"));
}

TEST_CASE("recording: render_analysis when the limit is already reached", "[recording]") {
  const std::vector<Sample> s{{0, 2048 * kMiB}, {10, 2048 * kMiB}, {20, 2048 * kMiB}};
  const std::string out = render_analysis(s, 1024 * kMiB, Thresholds{});
  INFO(out);
  CHECK_THAT(out, Catch::Contains("limit       1.0 GiB already reached\n"));
  CHECK_THAT(out, Catch::Contains("current     2.0 GiB\n"));
  CHECK_THAT(out, Catch::Contains("verdict     no leak (pattern: flat)"));
}

TEST_CASE("recording: render_analysis of a short recording asks for more history", "[recording]") {
  const auto s = synth::generate(synth::linear(50 * kMiB, 60 * kMiB),
                                 synth::Options().duration(5 * synth::kMinute).origin(1000));
  const std::string out = render_analysis(recorded(s), std::nullopt, Thresholds{});
  INFO(out);
  CHECK_THAT(out, Catch::Contains("verdict     growing, not enough history to judge (observed "
                                  "5m 0s, a verdict needs 15m 0s of steady growth)"));
  CHECK_THAT(out, !Catch::Contains("UTC"));  // relative times are not shown as dates
  CHECK_THAT(out, !Catch::Contains("limit"));
}

}  // namespace
}  // namespace lw::recording
