#pragma once

// A line chart as one inline SVG element: several series over a shared time axis, value labels on
// the y axis, the time span on the x axis and an optional vertical marker (for example where the
// current regime began). No scripts, no external assets, no CSS classes the page must define: it
// renders the same in any browser and without JavaScript. Every text is escaped here, so names
// taken from processes may be passed as they are. No clock is read.

#include <cstddef>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "format/sparkline.h"

namespace lw::format {

struct ChartSeries {
  std::string name;                   // legend text
  std::string color;                  // stroke colour, "#rrggbb"; anything else is replaced by grey
  std::span<const TimePoint> points;  // time order; non-finite points are dropped
  bool dashed = false;
};

struct ChartMarker {
  double t = 0;       // same time origin as the points
  std::string label;  // drawn beside the line
};

struct ChartOptions {
  std::string title;  // the chart's accessible name (aria-label)
  int width = 760;
  int height = 200;
  std::size_t max_points = 400;  // per series: longer series are reduced (peaks kept)
  // Spells a value for the y axis labels (bytes, counts, ...).
  std::function<std::string(double)> format_value = [](double v) { return std::to_string(v); };
  std::optional<ChartMarker> marker;  // drawn only when inside the time span
};

// The <svg> element. Each series with two or more points is one <polyline data-series="name">;
// a series with one point is a <circle>; an empty series only appears in the legend, as "no data".
// With no point at all the chart says "no data" in its plot area.
std::string svg_line_chart(std::span<const ChartSeries> series, const ChartOptions& options);

// Escapes & < > " ' (and repairs invalid UTF-8): safe as SVG/HTML text and quoted attributes.
std::string xml_escape(std::string_view s);

}  // namespace lw::format
