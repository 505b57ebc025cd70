#include "format/svg_chart.h"

#include <cstddef>
#include <limits>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

using lw::format::ChartOptions;
using lw::format::ChartSeries;
using lw::format::svg_line_chart;
using lw::format::TimePoint;

namespace {

std::size_t count(const std::string& s, const std::string& what) {
  std::size_t n = 0;
  for (auto pos = s.find(what); pos != std::string::npos; pos = s.find(what, pos + what.size())) {
    ++n;
  }
  return n;
}

// The "x,y" pairs of the polyline whose data-series is `name`.
std::vector<std::pair<double, double>> polyline_points(const std::string& svg,
                                                       const std::string& name) {
  const auto at = svg.find("<polyline data-series=\"" + name + "\"");
  REQUIRE(at != std::string::npos);
  const auto begin = svg.find("points=\"", at) + 8;
  const auto end = svg.find('"', begin);
  std::vector<std::pair<double, double>> out;
  std::size_t i = begin;
  while (i < end) {
    std::size_t next = svg.find(' ', i);
    if (next == std::string::npos || next > end) {
      next = end;
    }
    const std::string pair = svg.substr(i, next - i);
    const auto comma = pair.find(',');
    out.emplace_back(std::stod(pair.substr(0, comma)), std::stod(pair.substr(comma + 1)));
    i = next + 1;
  }
  return out;
}

ChartOptions options() {
  ChartOptions o;
  o.title = "test";
  o.width = 400;
  o.height = 200;
  return o;
}

}  // namespace

TEST_CASE("svg chart: points are scaled into the plot area, time left to right, up is more",
          "[format][chart]") {
  const std::vector<TimePoint> ramp{{0, 0}, {50, 50}, {100, 100}};
  const std::vector<ChartSeries> series{{.name = "ramp", .color = "#112233", .points = ramp}};
  const std::string svg = svg_line_chart(series, options());
  CHECK(svg.starts_with("<svg class=\"chart\" width=\"400\" height=\"200\""));
  CHECK(svg.ends_with("</svg>"));
  const auto pts = polyline_points(svg, "ramp");
  REQUIRE(pts.size() == 3);
  // Plot area: x from 78 to 400 - 14, y from 12 (top) to 200 - 46 (bottom).
  CHECK(pts[0].first == Approx(78));
  CHECK(pts[2].first == Approx(386));
  CHECK(pts[1].first == Approx((78 + 386) / 2.0));
  CHECK(pts[0].second > pts[1].second);  // higher values are drawn higher (smaller y)
  CHECK(pts[1].second > pts[2].second);
  for (const auto& [x, y] : pts) {
    CHECK(y >= 12);
    CHECK(y <= 154);
  }
  CHECK(svg.find("stroke=\"#112233\"") != std::string::npos);
}

TEST_CASE("svg chart: long series are reduced to max_points, keeping the peak", "[format][chart]") {
  std::vector<TimePoint> many;
  for (int i = 0; i < 5000; ++i) {
    many.push_back({static_cast<double>(i), i == 2345 ? 1e6 : static_cast<double>(i % 7)});
  }
  const std::vector<ChartSeries> series{{.name = "many", .color = "#000000", .points = many}};
  ChartOptions o = options();
  o.max_points = 400;
  const std::string svg = svg_line_chart(series, o);
  const auto pts = polyline_points(svg, "many");
  CHECK(pts.size() <= 400);
  CHECK(pts.size() >= 200);
  // The spike is the highest value, so it is drawn at the top of the plot area.
  double top = 1e9;
  for (const auto& p : pts) {
    top = std::min(top, p.second);
  }
  CHECK(top < 13.0 + 154 * 0.06);
}

TEST_CASE("svg chart: names, labels and colours are escaped or refused", "[format][chart]") {
  const std::vector<TimePoint> pts{{0, 1}, {1, 2}};
  const std::vector<ChartSeries> series{
      {.name = "<script>alert(1)</script>\"'&", .color = "red\"><script>", .points = pts}};
  ChartOptions o = options();
  o.title = "t\"itle<x>";
  o.marker = lw::format::ChartMarker{.t = 0.5, .label = "<b>onset</b>"};
  o.format_value = [](double) { return std::string("<v>"); };
  const std::string svg = svg_line_chart(series, o);
  CHECK(svg.find("<script") == std::string::npos);
  CHECK(svg.find("<b>") == std::string::npos);
  CHECK(svg.find("<v>") == std::string::npos);
  CHECK(svg.find("&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;&amp;") != std::string::npos);
  CHECK(svg.find("aria-label=\"t&quot;itle&lt;x&gt;\"") != std::string::npos);
  CHECK(svg.find("&lt;b&gt;onset&lt;/b&gt;") != std::string::npos);
  CHECK(svg.find("#888888") != std::string::npos);  // the bad colour is replaced
  CHECK(lw::format::xml_escape("a\xFF") == "a\xEF\xBF\xBD");
}

TEST_CASE("svg chart: empty and one-point series", "[format][chart]") {
  const std::vector<TimePoint> none;
  const std::vector<TimePoint> one{{10, 5}};
  SECTION("no points at all: the chart says so") {
    const std::vector<ChartSeries> series{{.name = "a", .color = "#000", .points = none}};
    const std::string svg = svg_line_chart(series, options());
    CHECK(svg.find("no data") != std::string::npos);
    CHECK(svg.find("<polyline") == std::string::npos);
    CHECK(svg.find("a (no data)") != std::string::npos);
  }
  SECTION("one point is a dot, centred, beside an empty series") {
    const std::vector<ChartSeries> series{{.name = "one", .color = "#000", .points = one},
                                          {.name = "empty", .color = "#111", .points = none}};
    const std::string svg = svg_line_chart(series, options());
    CHECK(count(svg, "<circle data-series=\"one\"") == 1);
    CHECK(svg.find("cx=\"232.0\"") != std::string::npos);  // (78 + 386) / 2
    CHECK(svg.find("<polyline") == std::string::npos);
    CHECK(svg.find("empty (no data)") != std::string::npos);
  }
  SECTION("non-finite points are dropped") {
    const std::vector<TimePoint> bad{{0, std::numeric_limits<double>::quiet_NaN()},
                                     {1, 2},
                                     {std::numeric_limits<double>::infinity(), 3},
                                     {2, 4}};
    const std::vector<ChartSeries> series{{.name = "b", .color = "#000", .points = bad}};
    const std::string svg = svg_line_chart(series, options());
    CHECK(polyline_points(svg, "b").size() == 2);
    CHECK(svg.find("nan") == std::string::npos);
    CHECK(svg.find("inf") == std::string::npos);
  }
}

TEST_CASE("svg chart: the marker is drawn only inside the time span", "[format][chart]") {
  const std::vector<TimePoint> pts{{0, 1}, {100, 2}};
  const std::vector<ChartSeries> series{{.name = "s", .color = "#000", .points = pts}};
  ChartOptions o = options();
  o.marker = lw::format::ChartMarker{.t = 50, .label = "regime"};
  std::string svg = svg_line_chart(series, o);
  CHECK(svg.find("<g class=\"marker\"><line x1=\"232.0\"") != std::string::npos);
  o.marker->t = 150;
  svg = svg_line_chart(series, o);
  CHECK(svg.find("class=\"marker\"") == std::string::npos);
}
