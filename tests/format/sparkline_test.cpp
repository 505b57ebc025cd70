#include "format/sparkline.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

namespace lw::format {
namespace {

TEST_CASE("block sparkline: one column per point when they fit", "[format][sparkline]") {
  const std::vector<TimePoint> up{{0, 0}, {1, 1}, {2, 2}, {3, 3}, {4, 4}, {5, 5}, {6, 6}, {7, 7}};
  CHECK(block_sparkline(up, 60) == "▁▂▃▄▅▆▇█");
  const std::vector<TimePoint> flat{{0, 5}, {1, 5}, {2, 5}};
  CHECK(block_sparkline(flat, 60) == "▁▁▁");
  CHECK(block_sparkline({}, 60).empty());
  CHECK(block_sparkline(up, 0).empty());
}

TEST_CASE("block sparkline: equal-time columns, gaps are blank", "[format][sparkline]") {
  const std::vector<TimePoint> gap{{0, 0}, {1, 0}, {2, 0}, {9, 8}, {10, 8}};
  CHECK(block_sparkline(gap, 4) == "▁  █");
  // Two points per column, each column their mean.
  const std::vector<TimePoint> pairs{{0, 0}, {1, 2}, {2, 4}, {3, 6}};
  CHECK(block_sparkline(pairs, 2) == "▁█");
}

TEST_CASE("svg sparkline: fewer than two finite points draw nothing", "[format][sparkline]") {
  CHECK_FALSE(svg_sparkline({}).has_value());
  const std::vector<TimePoint> one{{0, 1}};
  CHECK_FALSE(svg_sparkline(one).has_value());
  const std::vector<TimePoint> one_finite{{0, 1}, {1, std::nan("")}};
  CHECK_FALSE(svg_sparkline(one_finite).has_value());
}

TEST_CASE("svg sparkline: scaled to its own range, labelled in bytes", "[format][sparkline]") {
  const std::vector<TimePoint> up{{100, 1024}, {160, 2048}, {220, 3072}};
  const auto svg = svg_sparkline(up);
  REQUIRE(svg.has_value());
  CHECK(*svg ==
        "<svg class=\"spark\" width=\"120\" height=\"24\" viewBox=\"0 0 120 24\" role=\"img\" "
        "aria-label=\"history from 1.0 KiB to 3.0 KiB\"><polyline fill=\"none\" "
        "stroke=\"currentColor\" stroke-width=\"1.5\" points=\"1.0,23.0 60.0,12.0 "
        "119.0,1.0\"/></svg>");
  // A flat series at one instant sits in the middle.
  const std::vector<TimePoint> still{{5, 7}, {5, 7}};
  CHECK_THAT(*svg_sparkline(still), Catch::Contains("points=\"60.0,12.0 60.0,12.0\""));
}

TEST_CASE("svg sparkline: long series are thinned to every k-th point and the last",
          "[format][sparkline]") {
  std::vector<TimePoint> many;
  for (int i = 0; i < 1000; ++i) {
    many.push_back({static_cast<double>(i), static_cast<double>(i)});
  }
  const auto svg = svg_sparkline(many, 120);
  REQUIRE(svg.has_value());
  // Stride 1000 / 120 + 1 = 9: points 0, 9, ..., 999 -> 112 points, then the last (999).
  const auto coords = std::count(svg->begin(), svg->end(), ',');
  CHECK(coords == 113);
  CHECK_THAT(*svg, Catch::EndsWith("119.0,1.0\"/></svg>"));
}

}  // namespace
}  // namespace lw::format
