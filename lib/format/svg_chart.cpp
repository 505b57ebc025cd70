#include "format/svg_chart.h"

#include <algorithm>
#include <cmath>
#include <iterator>
#include <limits>
#include <string_view>

#include <fmt/core.h>

#include "base/text.h"
#include "format/duration.h"

namespace lw::format {
namespace {

// Plot margins: room for the y labels on the left, the x labels and the legend below.
constexpr double kLeft = 78;
constexpr double kRight = 14;
constexpr double kTop = 12;
constexpr double kBottom = 46;
constexpr int kGridLines = 4;
constexpr std::string_view kFallbackColor = "#888888";

bool finite(const TimePoint& p) {
  return std::isfinite(p.t) && std::isfinite(p.v);
}

bool is_hex_color(std::string_view c) {
  if ((c.size() != 4 && c.size() != 7) || c.front() != '#') {
    return false;
  }
  return std::all_of(c.begin() + 1, c.end(), [](char ch) {
    return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f') || (ch >= 'A' && ch <= 'F');
  });
}

// At most `max_points` finite points: with more, each of max_points / 2 equal-count strides
// gives its lowest and highest point in time order, so that peaks and troughs stay drawn.
std::vector<TimePoint> reduce(std::span<const TimePoint> in, std::size_t max_points) {
  std::vector<TimePoint> finite_points;
  finite_points.reserve(in.size());
  std::copy_if(in.begin(), in.end(), std::back_inserter(finite_points), finite);
  const std::size_t strides = std::max<std::size_t>(max_points / 2, 1);
  if (finite_points.size() <= std::max<std::size_t>(max_points, 1)) {
    return finite_points;
  }
  std::vector<TimePoint> out;
  out.reserve(2 * strides);
  const double step = static_cast<double>(finite_points.size()) / static_cast<double>(strides);
  for (std::size_t i = 0; i < strides; ++i) {
    const auto lo = static_cast<std::size_t>(static_cast<double>(i) * step);
    const auto hi =
        std::min(finite_points.size(), static_cast<std::size_t>(static_cast<double>(i + 1) * step));
    if (lo >= hi) {
      continue;
    }
    const auto first = finite_points.begin() + static_cast<std::ptrdiff_t>(lo);
    const auto last = finite_points.begin() + static_cast<std::ptrdiff_t>(hi);
    const auto [min_it, max_it] = std::minmax_element(
        first, last, [](const TimePoint& a, const TimePoint& b) { return a.v < b.v; });
    if (min_it == max_it) {
      out.push_back(*min_it);
    } else if (min_it < max_it) {
      out.push_back(*min_it);
      out.push_back(*max_it);
    } else {
      out.push_back(*max_it);
      out.push_back(*min_it);
    }
  }
  return out;
}

// The drawing area and the data ranges mapped onto it.
struct Frame {
  double width = 0, height = 0;
  double t0 = 0, t1 = 1, v0 = 0, v1 = 1;

  double x(double t) const { return kLeft + (t - t0) / (t1 - t0) * (width - kLeft - kRight); }
  double y(double v) const {
    return kTop + (1.0 - (v - v0) / (v1 - v0)) * (height - kTop - kBottom);
  }
};

Frame frame_of(const std::vector<std::vector<TimePoint>>& reduced, const ChartOptions& options) {
  Frame f;
  f.width = std::max(options.width, 200);
  f.height = std::max(options.height, 120);
  double t_lo = std::numeric_limits<double>::infinity();
  double t_hi = -t_lo;
  double v_lo = t_lo;
  double v_hi = -t_lo;
  for (const auto& points : reduced) {
    for (const TimePoint& p : points) {
      t_lo = std::min(t_lo, p.t);
      t_hi = std::max(t_hi, p.t);
      v_lo = std::min(v_lo, p.v);
      v_hi = std::max(v_hi, p.v);
    }
  }
  if (!std::isfinite(t_lo)) {
    return f;  // no points: the default ranges, nothing is drawn on them
  }
  // A single instant or a flat series still gets an area to sit in, centred.
  const double t_pad = t_hi > t_lo ? 0.0 : 1.0;
  const double v_pad = v_hi > v_lo ? (v_hi - v_lo) * 0.05 : std::max(1.0, std::fabs(v_hi) * 0.05);
  f.t0 = t_lo - t_pad;
  f.t1 = t_hi + t_pad;
  f.v0 = v_lo >= 0 ? std::max(0.0, v_lo - v_pad) : v_lo - v_pad;
  f.v1 = v_hi + v_pad;
  return f;
}

void draw_axes(std::string& out, const Frame& f, const ChartOptions& options) {
  const double bottom = f.height - kBottom;
  for (int k = 0; k <= kGridLines; ++k) {
    const double v = f.v0 + (f.v1 - f.v0) * k / kGridLines;
    const double y = f.y(v);
    fmt::format_to(std::back_inserter(out),
                   R"(<line x1="{:.1f}" y1="{:.1f}" x2="{:.1f}" y2="{:.1f}" stroke="#8888" )"
                   R"(stroke-width="1"/><text x="{:.1f}" y="{:.1f}" text-anchor="end" )"
                   R"(font-size="11" fill="currentColor">{}</text>)",
                   kLeft, y, f.width - kRight, y, kLeft - 6, y + 4,
                   xml_escape(options.format_value(v)));
  }
  fmt::format_to(std::back_inserter(out),
                 R"(<text x="{:.1f}" y="{:.1f}" font-size="11" fill="currentColor">{}</text>)"
                 R"(<text x="{:.1f}" y="{:.1f}" font-size="11" text-anchor="end" )"
                 R"(fill="currentColor">latest</text>)",
                 kLeft, bottom + 16, xml_escape(duration(f.t1 - f.t0) + " earlier"),
                 f.width - kRight, bottom + 16);
}

void draw_marker(std::string& out, const Frame& f, const ChartOptions& options) {
  if (!options.marker || !std::isfinite(options.marker->t) || options.marker->t < f.t0 ||
      options.marker->t > f.t1) {
    return;
  }
  const double x = f.x(options.marker->t);
  fmt::format_to(std::back_inserter(out),
                 R"(<g class="marker"><line x1="{0:.1f}" y1="{1:.1f}" x2="{0:.1f}" y2="{2:.1f}" )"
                 R"(stroke="#d97706" stroke-width="1.5" stroke-dasharray="5 3"/>)"
                 R"(<text x="{3:.1f}" y="{4:.1f}" font-size="11" fill="#d97706">{5}</text></g>)",
                 x, kTop, f.height - kBottom, x + 4, kTop + 10, xml_escape(options.marker->label));
}

void draw_series(std::string& out, const Frame& f, const ChartSeries& s,
                 const std::vector<TimePoint>& points) {
  const std::string color = is_hex_color(s.color) ? s.color : std::string(kFallbackColor);
  const std::string name = xml_escape(s.name);
  if (points.size() == 1) {
    fmt::format_to(std::back_inserter(out),
                   R"(<circle data-series="{}" cx="{:.1f}" cy="{:.1f}" r="3" fill="{}"/>)", name,
                   f.x(points[0].t), f.y(points[0].v), color);
    return;
  }
  if (points.empty()) {
    return;
  }
  fmt::format_to(std::back_inserter(out),
                 R"(<polyline data-series="{}" fill="none" stroke="{}" stroke-width="1.6"{} )"
                 R"(stroke-linejoin="round" points=")",
                 name, color, s.dashed ? R"( stroke-dasharray="4 3")" : "");
  for (std::size_t i = 0; i < points.size(); ++i) {
    fmt::format_to(std::back_inserter(out), "{}{:.1f},{:.1f}", i == 0 ? "" : " ", f.x(points[i].t),
                   f.y(points[i].v));
  }
  out += "\"/>";
}

void draw_legend(std::string& out, const Frame& f, std::span<const ChartSeries> series,
                 const std::vector<std::vector<TimePoint>>& reduced) {
  double x = kLeft;
  const double y = f.height - 8;
  for (std::size_t i = 0; i < series.size(); ++i) {
    const std::string color =
        is_hex_color(series[i].color) ? series[i].color : std::string(kFallbackColor);
    const std::string label = series[i].name + (reduced[i].empty() ? " (no data)" : "");
    fmt::format_to(std::back_inserter(out),
                   R"(<rect x="{:.1f}" y="{:.1f}" width="12" height="4" fill="{}"/>)"
                   R"(<text x="{:.1f}" y="{:.1f}" font-size="11" fill="currentColor">{}</text>)",
                   x, y - 5, color, x + 16, y, xml_escape(label));
    // About 6.5 px per character at font-size 11: enough to keep the entries apart.
    x += 34 + 6.5 * static_cast<double>(label.size());
  }
}

}  // namespace

std::string xml_escape(std::string_view s) {
  return text::markup_escape(s);
}

std::string svg_line_chart(std::span<const ChartSeries> series, const ChartOptions& options) {
  std::vector<std::vector<TimePoint>> reduced;
  reduced.reserve(series.size());
  bool any = false;
  for (const ChartSeries& s : series) {
    reduced.push_back(reduce(s.points, options.max_points));
    any = any || !reduced.back().empty();
  }
  const Frame f = frame_of(reduced, options);
  std::string out = fmt::format(R"(<svg class="chart" width="{0:.0f}" height="{1:.0f}" )"
                                R"(viewBox="0 0 {0:.0f} {1:.0f}" role="img" aria-label="{2}">)",
                                f.width, f.height, xml_escape(options.title));
  if (any) {
    draw_axes(out, f, options);
    draw_marker(out, f, options);
    for (std::size_t i = 0; i < series.size(); ++i) {
      draw_series(out, f, series[i], reduced[i]);
    }
  } else {
    fmt::format_to(std::back_inserter(out),
                   R"(<text x="{:.1f}" y="{:.1f}" text-anchor="middle" font-size="13" )"
                   R"(fill="currentColor">no data</text>)",
                   f.width / 2, (f.height - kBottom) / 2);
  }
  draw_legend(out, f, series, reduced);
  out += "</svg>";
  return out;
}

}  // namespace lw::format
