// CompressedSeries encoding: random walks round-trip, absent is not zero, out-of-order seqs,
// chunks and drop_before, for_each from a seq, range_since and extreme values.

#include "store/compressed_series.h"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include <catch2/catch.hpp>

#include "store/series_samples.h"

using lw::store::ChannelRange;
using lw::testing::brute_range;
using lw::testing::build;
using lw::testing::decode;
using lw::testing::kMaxU64;
using lw::testing::random_walk;
using lw::testing::Sample;
using lw::testing::Series5;
using lw::testing::Values5;

namespace {

template <std::size_t N>
void check_round_trip(std::uint64_t seed, std::uint32_t k, std::size_t count) {
  std::mt19937_64 rng(seed);
  const auto ref = random_walk<N>(rng, count);
  const auto s = build(ref, k);
  INFO("N=" << N << " K=" << k << " samples=" << count);
  CHECK(s.size() == count);
  CHECK(s.chunk_count() == (count + k - 1) / k);
  CHECK(s.first_seq() == ref.front().seq);
  CHECK(s.last_seq() == ref.back().seq);
  REQUIRE(s.last() != nullptr);
  CHECK(*s.last() == ref.back().values);
  const auto got = decode(s);
  REQUIRE(got.size() == ref.size());
  for (std::size_t i = 0; i < ref.size(); ++i) {
    INFO("sample " << i << " seq " << ref[i].seq);
    REQUIRE(got[i] == ref[i]);
  }
}

}  // namespace

TEST_CASE("compressed series: random walks round-trip sample for sample", "[store]") {
  const std::uint32_t k = GENERATE(1U, 2U, 7U, 120U, 5000U);
  check_round_trip<5>(42, k, 3000);
}

TEST_CASE("compressed series: every channel count from 1 to 8 round-trips", "[store]") {
  // 7 and 8 channels use the header's extension byte for channels 6 and 7.
  check_round_trip<1>(1, 120, 1500);
  check_round_trip<2>(2, 60, 1500);
  check_round_trip<6>(6, 120, 1500);
  check_round_trip<7>(7, 120, 1500);
  check_round_trip<8>(8, 33, 1500);
}

TEST_CASE("compressed series: absent is not zero, through chunks and serialisation", "[store]") {
  Series5 s(2);  // tiny chunks: every transition crosses a close
  const Values5 a{std::nullopt, 0, 7, std::nullopt, 1};
  const Values5 b{0, std::nullopt, 7, 0, 1};
  const Values5 c{std::nullopt, std::nullopt, std::nullopt, std::nullopt, std::nullopt};
  s.append(10, a);
  s.append(11, b);
  s.append(12, c);
  s.append(13, a);
  s.append(14, b);
  std::string bytes;
  s.serialize(bytes);
  std::string_view in = bytes;
  const auto back = Series5::deserialize(in);
  REQUIRE(back.has_value());
  for (const Series5* series : std::vector<const Series5*>{&s, &*back}) {
    const auto got = decode(*series);
    REQUIRE(got.size() == 5);
    CHECK(got[0].values == a);
    CHECK(got[1].values == b);
    CHECK(got[2].values == c);
    CHECK(got[3].values == a);
    CHECK(got[4].values == b);
    CHECK(series->range_since(0, 0) == ChannelRange{0, 0});
    CHECK(series->range_since(1, 12) == ChannelRange{0, 0});
    CHECK(series->range_since(0, 12) == ChannelRange{0, 0});
    CHECK(series->range_since(1, 14) == ChannelRange{});  // only absent in range
  }
}

TEST_CASE("compressed series: out-of-order seqs are ignored and counted", "[store]") {
  Series5 s;
  const Values5 v{1, 2, 3, 4, 5};
  s.append(5, v);
  s.append(5, Values5{9, 9, 9, 9, 9});
  s.append(3, v);
  s.append(6, v);
  CHECK(s.rejected() == 2);
  CHECK(s.size() == 2);
  CHECK(decode(s) == std::vector<Sample<5>>{{5, v}, {6, v}});
}

TEST_CASE("compressed series: chunk boundaries and drop_before granularity", "[store]") {
  Series5 s(4);
  for (std::uint64_t seq = 1; seq <= 10; ++seq) {
    s.append(seq, Values5{seq * 4096, seq, std::nullopt, 0, seq});
  }
  CHECK(s.chunk_count() == 3);  // [1..4] [5..8] [9..10]
  CHECK(s.size() == 10);

  s.drop_before(4);  // chunk [1..4] still holds seq 4: kept whole
  CHECK(s.size() == 10);
  s.drop_before(5);
  CHECK(s.size() == 6);
  CHECK(s.first_seq() == 5u);
  s.drop_before(7);  // granularity is one chunk: 5 and 6 stay
  CHECK(s.size() == 6);
  CHECK(decode(s).front().seq == 5);
  CHECK(decode(s, 7).front().seq == 7);  // readers filter by seq

  s.drop_before(11);  // everything is older, including the open chunk
  CHECK(s.empty());
  CHECK(s.size() == 0);
  CHECK(s.last() == nullptr);
  CHECK_FALSE(s.first_seq().has_value());
  CHECK_FALSE(s.last_seq().has_value());
  CHECK(decode(s).empty());

  s.append(3, Values5{1, 1, 1, 1, 1});  // an empty series accepts any seq
  CHECK(s.size() == 1);
  CHECK(s.last_seq() == 3u);
}

TEST_CASE("compressed series: drop_before on random data keeps exactly the newer chunks",
          "[store]") {
  std::mt19937_64 rng(7);
  const auto ref = random_walk<5>(rng, 1000);
  auto s = build(ref, 50);
  const std::uint64_t cut = ref[333].seq;
  s.drop_before(cut);
  // Chunk of sample 333 is [300..349]: samples 300.. remain.
  const auto got = decode(s);
  REQUIRE(got.size() == 700);
  CHECK(got.front() == ref[300]);
  CHECK(got.back() == ref.back());
  CHECK(s.range_since(0, 0) == brute_range(std::vector(ref.begin() + 300, ref.end()), 0, 0));
}

TEST_CASE("compressed series: for_each from a middle seq", "[store]") {
  std::mt19937_64 rng(11);
  const auto ref = random_walk<5>(rng, 800);
  const auto s = build(ref, 120);
  std::vector<std::uint64_t> froms = {0, ref.front().seq, ref.back().seq, ref.back().seq + 1};
  for (std::size_t i = 1; i < ref.size(); i += 37) {
    froms.push_back(ref[i].seq);
    froms.push_back(ref[i].seq - 1);  // may fall inside a seq gap
  }
  for (const std::uint64_t from : froms) {
    std::vector<Sample<5>> expect;
    for (const auto& r : ref) {
      if (r.seq >= from) {
        expect.push_back(r);
      }
    }
    INFO("from " << from);
    CHECK(decode(s, from) == expect);
  }
}

TEST_CASE("compressed series: range_since matches brute force", "[store]") {
  std::mt19937_64 rng(3);
  const auto ref = random_walk<5>(rng, 1000);
  const auto s = build(ref, 64);
  for (std::size_t i = 0; i < ref.size(); i += 13) {
    for (const std::uint64_t from : {ref[i].seq, ref[i].seq + 1}) {
      for (std::size_t c = 0; c <= 5; ++c) {  // channel 5 does not exist: empty range
        INFO("from " << from << " channel " << c);
        CHECK(s.range_since(c, from) == brute_range(ref, c, from));
      }
    }
  }
  CHECK(s.range_since(0, ref.back().seq + 1) == ChannelRange{});
}

TEST_CASE("compressed series: extreme values and scaling are lossless", "[store]") {
  Series5 s(3);
  const std::vector<Values5> vs = {
      {0, kMaxU64, 1ULL << 63, 4096, 1},
      {kMaxU64, 0, 1ULL << 63, 8192, 1ULL << 62},
      {1ULL << 63, 1, 0, 4096 * 3, 1ULL << 63},
      {kMaxU64 - 4095, 1ULL << 12, 1ULL << 63, 1ULL << 40, 2},
  };
  std::uint64_t seq = 100;
  std::vector<Sample<5>> ref;
  for (int round = 0; round < 3; ++round) {
    for (const auto& v : vs) {
      s.append(seq, v);
      ref.push_back({seq, v});
      seq += 1 + static_cast<std::uint64_t>(round);
    }
  }
  CHECK(decode(s) == ref);
  std::string bytes;
  s.serialize(bytes);
  std::string_view in = bytes;
  const auto back = Series5::deserialize(in);
  REQUIRE(back.has_value());
  CHECK(decode(*back) == ref);
}
