#include "analysis/siblings.h"

#include <vector>

#include <catch2/catch.hpp>

namespace lw::analysis {
namespace {

constexpr double kMiB = 1024.0 * 1024.0;
constexpr double kPerHour = 1.0 / 3600;
const double kMinRate = 1 * kMiB * kPerHour;  // 1 MiB/h

TEST_CASE("siblings: one instance far above the group's median is an outlier",
          "[analysis][siblings]") {
  const std::vector<SiblingInput> g{
      {100 * kMiB, 0.0}, {110 * kMiB, 0.0}, {95 * kMiB, 0.0}, {500 * kMiB, 0.0}};
  CHECK(sibling_outliers(g, 3.0, kMinRate) == std::vector<bool>{false, false, false, true});
  // Exactly at ratio x median is not above it.
  const std::vector<SiblingInput> edge{{100 * kMiB, {}}, {100 * kMiB, {}}, {300 * kMiB, {}}};
  CHECK(sibling_outliers(edge, 3.0, kMinRate) == std::vector<bool>{false, false, false});
}

TEST_CASE("siblings: size needs a group of at least 3", "[analysis][siblings]") {
  const std::vector<SiblingInput> pair{{100 * kMiB, {}}, {900 * kMiB, {}}};
  CHECK(sibling_outliers(pair, 3.0, kMinRate) == std::vector<bool>{false, false});
}

TEST_CASE("siblings: one grows while the others are flat", "[analysis][siblings]") {
  const std::vector<SiblingInput> g{{100 * kMiB, 10 * kMiB * kPerHour},
                                    {100 * kMiB, 0.0},
                                    {100 * kMiB, 0.01 * kMiB * kPerHour},
                                    {100 * kMiB, {}}};  // unknown rate: ignored
  CHECK(sibling_outliers(g, 3.0, kMinRate) == std::vector<bool>{true, false, false, false});
  // A pair is enough for the growth comparison.
  const std::vector<SiblingInput> pair{{100 * kMiB, 5 * kMiB * kPerHour}, {100 * kMiB, 0.0}};
  CHECK(sibling_outliers(pair, 3.0, kMinRate) == std::vector<bool>{true, false});
}

TEST_CASE("siblings: all growing alike is not an outlier", "[analysis][siblings]") {
  const std::vector<SiblingInput> g{{100 * kMiB, 10 * kMiB * kPerHour},
                                    {100 * kMiB, 9 * kMiB * kPerHour},
                                    {100 * kMiB, 11 * kMiB * kPerHour}};
  CHECK(sibling_outliers(g, 3.0, kMinRate) == std::vector<bool>{false, false, false});
}

TEST_CASE("siblings: growth below the absolute minimum is not flagged", "[analysis][siblings]") {
  const std::vector<SiblingInput> g{
      {100 * kMiB, 0.5 * kMiB * kPerHour}, {100 * kMiB, 0.0}, {100 * kMiB, 0.0}};
  CHECK(sibling_outliers(g, 3.0, kMinRate) == std::vector<bool>{false, false, false});
}

TEST_CASE("siblings: fewer than 2 members gives no flags", "[analysis][siblings]") {
  CHECK(sibling_outliers({}, 3.0, kMinRate).empty());
  const std::vector<SiblingInput> one{{900 * kMiB, 100 * kMiB}};
  CHECK(sibling_outliers(one, 3.0, kMinRate) == std::vector<bool>{false});
}

TEST_CASE("siblings: a large group is judged against the others' median", "[analysis][siblings]") {
  std::vector<SiblingInput> g;
  g.reserve(200);
  for (int i = 0; i < 200; ++i) {
    g.push_back({(90.0 + i % 20) * kMiB, 0.0});
  }
  g[123].private_bytes = 2000 * kMiB;
  g[7].rate_per_second = 50 * kMiB * kPerHour;
  const auto flags = sibling_outliers(g, 3.0, kMinRate);
  for (std::size_t i = 0; i < g.size(); ++i) {
    INFO("member " << i);
    CHECK(flags[i] == (i == 123 || i == 7));
  }
}

}  // namespace
}  // namespace lw::analysis
