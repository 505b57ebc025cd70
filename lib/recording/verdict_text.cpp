#include "recording/verdict_text.h"

#include <iterator>
#include <string_view>
#include <vector>

#include <fmt/core.h>

#include "analysis/growth.h"
#include "format/bytes.h"
#include "format/duration.h"
#include "format/sparkline.h"
#include "format/utc_time.h"

namespace lw::recording {
namespace {

constexpr double kEpoch2000 = 946684800.0;  // timestamps before this are not shown as dates
constexpr std::size_t kSparklineWidth = 60;

// "  key         value\n": values start in column 15.
void row(std::string& out, std::string_view key, std::string_view value) {
  fmt::format_to(std::back_inserter(out), "  {:<11} {}\n", key, value);
}

std::string rate_text(const std::optional<double>& bytes_per_second) {
  if (!bytes_per_second) {
    return "n/a (needs 3 samples over 2 distinct times)";
  }
  return format::byte_rate_per_hour(*bytes_per_second);
}

std::string verdict_text(const analysis::Verdict& v, const analysis::Thresholds& thresholds) {
  using analysis::Pattern;
  if (v.suspect) {
    return fmt::format("LEAK SUSPECT (score {:.2f})", v.score);
  }
  if (v.pattern == Pattern::kLeak) {
    return fmt::format("possible leak, below the suspect score (score {:.2f} < {:.2f})", v.score,
                       thresholds.suspect_score);
  }
  if (v.pattern == Pattern::kGrowing) {
    return fmt::format(
        "growing, not enough history to judge (observed {}, a verdict needs {} of steady growth)",
        format::duration(v.observed_seconds), format::duration(thresholds.min_observed_seconds));
  }
  return fmt::format("no leak (pattern: {})", analysis::pattern_name(v.pattern));
}

// Extrapolates only steady growth: the median rate of a sawtooth or of a finished warm-up is not
// where the process is heading.
std::string limit_text(const analysis::Verdict& v, double current, double limit_bytes,
                       std::optional<double> dated_end) {
  const bool steady =
      v.pattern == analysis::Pattern::kLeak || v.pattern == analysis::Pattern::kGrowing;
  const std::string limit = format::bytes(limit_bytes);
  const std::optional<double> left = analysis::seconds_to_limit(
      current, steady ? v.rate_per_second.value_or(0) : 0.0, limit_bytes);
  if (left && *left <= 0) {
    return limit + " already reached";
  }
  if (!left) {
    return limit + " not reached at the current rate (no steady growth)";
  }
  std::string text = fmt::format("{} reached in ~{}", limit, format::duration(*left));
  if (dated_end) {
    text += fmt::format(" (at {} UTC)", format::utc_time(*dated_end + *left));
  }
  return text;
}

}  // namespace

std::string render_analysis(std::span<const Sample> samples, std::optional<double> limit_bytes,
                            const analysis::Thresholds& thresholds) {
  std::string out = "leakwatch analysis\n";
  if (samples.empty()) {
    row(out, "samples", "0");
    return out;
  }
  std::vector<analysis::Sample> series;
  std::vector<format::TimePoint> points;
  series.reserve(samples.size());
  points.reserve(samples.size());
  for (const Sample& s : samples) {
    series.push_back({.t = s.t, .v = s.bytes});
    points.push_back({.t = s.t, .v = s.bytes});
  }
  const double t0 = samples.front().t;
  const double t1 = samples.back().t;
  const double span = t1 - t0;
  const bool dated = t0 >= kEpoch2000;
  std::string when = fmt::format("{} over {}", samples.size(), format::duration(span));
  if (dated) {
    when += fmt::format(" ({} .. {} UTC)", format::utc_time(t0), format::utc_time(t1));
  }
  row(out, "samples", when);
  const double current = samples.back().bytes;
  row(out, "current", format::bytes(current));

  const analysis::Verdict v = analysis::classify(series, span, thresholds);
  row(out, "rate", rate_text(v.rate_per_second));
  row(out, "floor rate", rate_text(v.floor_rate_per_second));
  row(out, "pattern", analysis::pattern_name(v.pattern));
  row(out, "verdict", verdict_text(v, thresholds));
  if (limit_bytes) {
    row(out, "limit",
        limit_text(v, current, *limit_bytes, dated ? std::optional<double>(t1) : std::nullopt));
  }
  row(out, "series", format::block_sparkline(points, kSparklineWidth));
  return out;
}

}  // namespace lw::recording
