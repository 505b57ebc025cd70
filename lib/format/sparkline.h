#pragma once

// Sparklines: a series drawn in one line of text (`--analyze`) or as a small inline SVG (the
// status page). Both scale the series to its own min..max; neither reads a clock.

#include <cstddef>
#include <optional>
#include <span>
#include <string>

namespace lw::format {

// One point of a series: time (s, any origin) and value (bytes for every series we draw).
struct TimePoint {
  double t = 0;
  double v = 0;
};

// One line of `width` block characters (▁▂▃▄▅▆▇█, UTF-8) over equal-time columns, each the mean
// of its points, scaled from the lowest to the highest column; a column without points (a gap in
// time) is a space. With fewer points than `width`, one column per point. Empty input: "".
std::string block_sparkline(std::span<const TimePoint> series, std::size_t width);

// A 120x24 SVG polyline (class "spark", stroke currentColor) over at most `max_points` points:
// every k-th point and the last; non-finite points are dropped. Its aria-label names the range
// in bytes. Fewer than two finite points: nullopt, as a line needs two.
std::optional<std::string> svg_sparkline(std::span<const TimePoint> series,
                                         std::size_t max_points = 120);

}  // namespace lw::format
