#include "sites/aggregate.h"

#include <chrono>
#include <vector>

#include <catch2/catch.hpp>

namespace {

lw::sites::Frame frame(const char* fn, std::uint64_t off) {
  lw::sites::Frame f;
  f.function = fn;
  f.module = "/usr/bin/app";
  f.build_id = "abcd";
  f.offset = off;
  return f;
}

}  // namespace

TEST_CASE("retained bytes are grouped by stack and ranked with their share and growth") {
  const std::vector<lw::sites::Frame> leak{frame("malloc", 1), frame("leak", 100)};
  const std::vector<lw::sites::Frame> other{frame("malloc", 1), frame("cache", 200)};
  constexpr std::uint64_t kKiB = 1024;
  std::vector<lw::sites::RetainedSample> samples(8, {leak, 512 * kKiB});
  samples.push_back({other, 1024 * kKiB});
  samples.push_back({{}, 1024 * kKiB});  // not unwound: counts in the total, forms no site
  const auto r = lw::sites::rank_sites(samples, std::chrono::seconds(8), 5, 10);
  CHECK(r.enough);
  CHECK(r.samples == 10);
  CHECK(r.total_bytes == 6 * kKiB * kKiB);
  CHECK(r.unwound_bytes == 5 * kKiB * kKiB);
  REQUIRE(r.sites.size() == 2);
  CHECK(r.sites[0].frames[1].function == "leak");
  CHECK(r.sites[0].bytes == 4 * kKiB * kKiB);
  CHECK(r.sites[0].samples == 8);
  CHECK(r.sites[0].share == Approx(4.0 / 6.0));
  CHECK(r.sites[0].bytes_per_second == Approx(512.0 * 1024));
  CHECK(r.sites[1].frames[1].function == "cache");
}

TEST_CASE("below the minimum sample count the ranking says so, and top bounds the sites") {
  std::vector<lw::sites::RetainedSample> samples;
  samples.reserve(4);
  for (std::uint64_t i = 0; i < 4; ++i) {
    samples.push_back({{frame("f", i)}, 1000 + i});
  }
  const auto few = lw::sites::rank_sites(samples, std::chrono::seconds(1), 5, 10);
  CHECK_FALSE(few.enough);
  const auto top2 = lw::sites::rank_sites(samples, std::chrono::seconds(1), 1, 2);
  CHECK(top2.enough);
  REQUIRE(top2.sites.size() == 2);
  CHECK(top2.sites[0].bytes == 1003);
  CHECK(lw::sites::rank_sites({}, std::chrono::seconds(1), 1, 10).enough == false);
}
