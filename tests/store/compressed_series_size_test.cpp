// CompressedSeries size: bytes per sample for idle and noisy series, size() and bytes() as the
// window slides, and a decode speed benchmark (hidden, [.bench]).

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include <catch2/catch.hpp>

#include "store/compressed_series.h"
#include "store/series_samples.h"

using lw::testing::decode;
using lw::testing::Sample;
using lw::testing::Series5;
using lw::testing::Values5;

TEST_CASE("compressed series: an unchanged sample costs one byte", "[store]") {
  Series5 s;
  const Values5 v{104857600, 52428800, 4096, std::nullopt, 17};
  s.append(1, v);
  std::string before;
  s.serialize(before);
  s.append(2, v);
  std::string after;
  s.serialize(after);
  CHECK(after.size() == before.size() + 1);
  // A gap in seq costs the gap flag's varint; a changed channel its delta.
  s.append(5, v);
  std::string gap;
  s.serialize(gap);
  CHECK(gap.size() == after.size() + 2);
}

TEST_CASE("compressed series: 2160 unchanged samples of 5 channels stay under 2.5 B/sample",
          "[store]") {
  Series5 s;
  const Values5 v{734003200, 52428800, 3145728, std::nullopt, 123};
  for (std::uint64_t seq = 1; seq <= 2160; ++seq) {
    s.append(seq, v);
  }
  const double per_sample = static_cast<double>(s.bytes()) / 2160.0;
  WARN("idle series, 5 channels, 2160 samples: " << s.bytes() << " bytes = " << per_sample
                                                 << " bytes/sample");
  CHECK(per_sample <= 2.5);
  CHECK(s.size() == 2160);
}

TEST_CASE("compressed series: a slowly growing noisy series stays compact", "[store]") {
  // anon grows 4 KiB every 3rd scan with +-8 KiB page noise; rss = anon + file; file drifts
  // rarely; swap absent; an fd count that changes now and then.
  std::mt19937_64 rng(2024);
  std::uniform_int_distribution<int> noise(-2, 2);
  std::uniform_int_distribution<int> pct(0, 99);
  Series5 s;
  std::vector<Sample<5>> ref;
  std::uint64_t anon = 300ULL << 20;
  std::uint64_t file = 40ULL << 20;
  std::uint64_t fds = 40;
  for (std::uint64_t seq = 1; seq <= 2160; ++seq) {
    if (seq % 3 == 0) {
      anon += 4096;
    }
    if (pct(rng) < 5) {
      file += static_cast<std::uint64_t>(noise(rng)) * 4096;
    }
    if (pct(rng) < 10) {
      fds += static_cast<std::uint64_t>(noise(rng));
    }
    const std::uint64_t a = anon + static_cast<std::uint64_t>(noise(rng)) * 4096;
    const Values5 v{a + file, a, file, std::nullopt, fds};
    s.append(seq, v);
    ref.push_back({seq, v});
  }
  CHECK(decode(s) == ref);
  const double per_sample = static_cast<double>(s.bytes()) / 2160.0;
  WARN("noisy growing series, 5 channels (2 noisy every sample), 2160 samples: "
       << s.bytes() << " bytes = " << per_sample << " bytes/sample");
  CHECK(per_sample <= 5.0);
}

TEST_CASE("compressed series: decode speed over 2000 series x 2160 samples", "[store][.bench]") {
  std::mt19937_64 rng(1);
  std::uniform_int_distribution<int> noise(-2, 2);
  std::vector<Series5> all;
  all.reserve(2000);
  for (int p = 0; p < 2000; ++p) {
    Series5 s;
    std::uint64_t anon = (10 + rng() % 500) << 20;
    const bool busy = p % 10 == 0;  // one in ten processes changes every scan
    for (std::uint64_t seq = 1; seq <= 2160; ++seq) {
      if (busy) {
        anon += static_cast<std::uint64_t>(noise(rng)) * 4096;
      }
      s.append(seq, Values5{anon + (8 << 20), anon, 8 << 20, std::nullopt, 12});
    }
    all.push_back(std::move(s));
  }
  std::size_t total_bytes = 0;
  for (const auto& s : all) {
    total_bytes += s.bytes();
  }
  std::uint64_t checksum = 0;
  std::size_t samples = 0;
  const auto t0 = std::chrono::steady_clock::now();
  for (const auto& s : all) {
    s.for_each(0, [&](std::uint64_t seq, const Values5& v) {
      checksum += seq + v[1].value_or(0);
      ++samples;
    });
  }
  const auto t1 = std::chrono::steady_clock::now();
  const double ns = std::chrono::duration<double, std::nano>(t1 - t0).count();
  WARN("decode: " << samples << " samples in " << ns / 1e6
                  << " ms = " << ns / static_cast<double>(samples) << " ns/sample; store "
                  << static_cast<double>(total_bytes) / (1 << 20)
                  << " MiB = " << static_cast<double>(total_bytes) / static_cast<double>(samples)
                  << " bytes/sample (checksum " << checksum << ")");
  CHECK(samples == std::size_t{2000} * 2160);
}

TEST_CASE("compressed series: size() and bytes() stay right while the window slides", "[store]") {
  // Both are kept as chunks close and drop (they are asked of every series every scan).
  Series5 s(16);
  std::size_t last_bytes = 0;
  for (std::uint64_t seq = 1; seq <= 2000; ++seq) {
    s.append(seq, Values5{seq * 4096, seq % 7, std::nullopt, 0, seq});
    if (seq > 300) {
      s.drop_before(seq - 300);
    }
    if (seq % 50 == 0) {
      REQUIRE(s.size() == decode(s).size());
      CHECK(s.bytes() > 0);
      last_bytes = s.bytes();
    }
  }
  std::string wire;
  s.serialize(wire);
  std::string_view in = wire;
  const auto back = Series5::deserialize(in);
  REQUIRE(back.has_value());
  CHECK(back->size() == s.size());
  CHECK(back->bytes() > 0);
  CHECK(last_bytes > 0);
}
