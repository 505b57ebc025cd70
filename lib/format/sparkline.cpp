#include "format/sparkline.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <iterator>
#include <limits>
#include <string_view>
#include <vector>

#include <fmt/core.h>

#include "format/bytes.h"

namespace lw::format {
namespace {

constexpr std::array<std::string_view, 8> kBlocks = {"\u2581", "\u2582", "\u2583", "\u2584",
                                                     "\u2585", "\u2586", "\u2587", "\u2588"};

// Per column: the mean of the points that fall into it, or nullopt for a gap.
std::vector<std::optional<double>> column_means(std::span<const TimePoint> series,
                                                std::size_t width) {
  const std::size_t n = series.size();
  std::vector<double> sum(std::min(n, width), 0.0);
  std::vector<std::size_t> count(sum.size(), 0);
  if (n <= width) {
    for (std::size_t i = 0; i < n; ++i) {
      sum[i] = series[i].v;
      count[i] = 1;
    }
  } else {
    const double t0 = series.front().t;
    const double span = series.back().t - t0;
    for (const TimePoint& p : series) {
      std::size_t col = 0;
      if (span > 0) {
        const double x = (p.t - t0) / span * static_cast<double>(width);
        col = x > 0 ? std::min(width - 1, static_cast<std::size_t>(x)) : 0;
      }
      sum[col] += p.v;
      ++count[col];
    }
  }
  std::vector<std::optional<double>> means(sum.size());
  for (std::size_t c = 0; c < sum.size(); ++c) {
    if (count[c] > 0) {
      means[c] = sum[c] / static_cast<double>(count[c]);
    }
  }
  return means;
}

bool finite(const TimePoint& p) {
  return std::isfinite(p.t) && std::isfinite(p.v);
}

}  // namespace

std::string block_sparkline(std::span<const TimePoint> series, std::size_t width) {
  if (series.empty() || width == 0) {
    return "";
  }
  const std::vector<std::optional<double>> means = column_means(series, width);
  double lo = std::numeric_limits<double>::infinity();
  double hi = -lo;
  for (const std::optional<double>& m : means) {
    if (m) {
      lo = std::min(lo, *m);
      hi = std::max(hi, *m);
    }
  }
  std::string out;
  out.reserve(means.size() * 3);
  for (const std::optional<double>& m : means) {
    if (!m) {
      out += ' ';
      continue;
    }
    std::size_t level = 0;
    if (hi > lo) {
      const double x = (*m - lo) / (hi - lo) * 7.0;
      level = std::min<std::size_t>(7, static_cast<std::size_t>(std::lround(x)));
    }
    out += kBlocks[level];
  }
  return out;
}

std::optional<std::string> svg_sparkline(std::span<const TimePoint> series,
                                         std::size_t max_points) {
  std::vector<TimePoint> points;
  const std::size_t stride = series.size() / std::max<std::size_t>(max_points, 1) + 1;
  for (std::size_t i = 0; i < series.size(); i += stride) {
    if (finite(series[i])) {
      points.push_back(series[i]);
    }
  }
  if (!series.empty() && stride > 1 && finite(series.back())) {
    points.push_back(series.back());
  }
  if (points.size() < 2) {
    return std::nullopt;
  }
  const auto [t_min, t_max] =
      std::minmax_element(points.begin(), points.end(),
                          [](const TimePoint& a, const TimePoint& b) { return a.t < b.t; });
  const auto [v_min, v_max] =
      std::minmax_element(points.begin(), points.end(),
                          [](const TimePoint& a, const TimePoint& b) { return a.v < b.v; });
  const double t0 = t_min->t;
  const double t1 = t_max->t;
  const double lo = v_min->v;
  const double hi = v_max->v;
  constexpr double kWidth = 120;
  constexpr double kHeight = 24;
  std::string out = fmt::format(
      R"(<svg class="spark" width="120" height="24" viewBox="0 0 120 24" role="img" )"
      R"(aria-label="history from {} to {}"><polyline fill="none" stroke="currentColor" )"
      R"(stroke-width="1.5" points=")",
      bytes(lo), bytes(hi));
  for (std::size_t i = 0; i < points.size(); ++i) {
    const TimePoint& p = points[i];
    const double x = t1 > t0 ? 1 + (p.t - t0) / (t1 - t0) * (kWidth - 2) : kWidth / 2;
    const double y = hi > lo ? (kHeight - 1) - (p.v - lo) / (hi - lo) * (kHeight - 2) : kHeight / 2;
    fmt::format_to(std::back_inserter(out), "{}{:.1f},{:.1f}", i == 0 ? "" : " ", x, y);
  }
  out += "\"/></svg>";
  return out;
}

}  // namespace lw::format
