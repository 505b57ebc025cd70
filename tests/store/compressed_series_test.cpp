#include "store/compressed_series.h"

#include <chrono>
#include <cstdint>
#include <limits>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

using lw::ErrorKind;
using lw::store::ChannelRange;
using lw::store::CompressedSeries;

namespace {

constexpr std::uint64_t kMaxU64 = std::numeric_limits<std::uint64_t>::max();

template <std::size_t N>
struct Sample {
  std::uint64_t seq = 0;
  typename CompressedSeries<N>::Values values{};
  bool operator==(const Sample&) const = default;
};

template <std::size_t N>
std::vector<Sample<N>> decode(const CompressedSeries<N>& s, std::uint64_t from = 0) {
  std::vector<Sample<N>> out;
  s.for_each(from, [&out](std::uint64_t seq, const typename CompressedSeries<N>::Values& v) {
    out.push_back({seq, v});
  });
  return out;
}

// Random walks with every awkward case: absent values, zeros, seq gaps, page multiples (the
// scale path), huge jumps and values at the edges of u64 (wrapping deltas).
template <std::size_t N>
std::vector<Sample<N>> random_walk(std::mt19937_64& rng, std::size_t count) {
  std::uniform_int_distribution<int> pct(0, 99);
  std::uniform_int_distribution<std::int64_t> small(-8, 8);
  std::vector<Sample<N>> out;
  typename CompressedSeries<N>::Values cur{};
  for (std::size_t c = 0; c < N; ++c) {
    cur[c] = (c % 3 == 0) ? std::uint64_t{4096} * 25000 : 1000 + c;
  }
  std::uint64_t seq = 1 + rng() % 1000;
  for (std::size_t i = 0; i < count; ++i) {
    if (i > 0) {
      seq += pct(rng) < 10 ? 2 + rng() % 500 : 1;
    }
    for (std::size_t c = 0; c < N; ++c) {
      const int p = pct(rng);
      if (p < 3) {
        cur[c] = cur[c] ? std::nullopt : std::optional<std::uint64_t>(0);
        continue;
      }
      if (!cur[c] || p < 50) {
        continue;
      }
      std::uint64_t v = *cur[c];
      if (c % 3 == 0) {  // page-granular memory
        v += static_cast<std::uint64_t>(small(rng)) * 4096;
      } else if (p < 90) {
        v += static_cast<std::uint64_t>(small(rng));
      } else if (p < 95) {
        v = rng();  // a wild jump
      } else if (p < 97) {
        v = kMaxU64 - rng() % 3;
      } else {
        v = rng() % 3;
      }
      cur[c] = v;
    }
    out.push_back({seq, cur});
  }
  return out;
}

template <std::size_t N>
CompressedSeries<N> build(const std::vector<Sample<N>>& ref, std::uint32_t k) {
  CompressedSeries<N> s(k);
  for (const auto& r : ref) {
    s.append(r.seq, r.values);
  }
  return s;
}

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

template <std::size_t N>
ChannelRange brute_range(const std::vector<Sample<N>>& ref, std::size_t c, std::uint64_t from) {
  ChannelRange r;
  for (const auto& s : ref) {
    if (s.seq >= from && c < N && s.values[c]) {
      r.min = r.min ? std::min(*r.min, *s.values[c]) : *s.values[c];
      r.max = r.max ? std::max(*r.max, *s.values[c]) : *s.values[c];
    }
  }
  return r;
}

using Series5 = CompressedSeries<5>;
using Values5 = Series5::Values;

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

TEST_CASE("compressed series: serialise and deserialise round trip, then keep appending",
          "[store]") {
  std::mt19937_64 rng(99);
  const auto ref = random_walk<5>(rng, 700);
  const auto s = build(ref, 120);
  std::string bytes;
  s.serialize(bytes);
  Series5 empty;
  empty.serialize(bytes);
  bytes += "tail";

  std::string_view in = bytes;
  auto back = Series5::deserialize(in);
  REQUIRE(back.has_value());
  auto back_empty = Series5::deserialize(in);
  REQUIRE(back_empty.has_value());
  CHECK(in == "tail");  // each consumed exactly its own bytes
  CHECK(back_empty->empty());

  CHECK(decode(*back) == ref);
  CHECK(back->size() == s.size());
  CHECK(back->chunk_count() == s.chunk_count());
  REQUIRE(back->last() != nullptr);
  CHECK(*back->last() == *s.last());
  for (std::size_t c = 0; c < 5; ++c) {
    CHECK(back->range_since(c, ref[250].seq) == s.range_since(c, ref[250].seq));
  }
  // Appending to the restored series continues the same encoding.
  auto original = s;
  const auto more = random_walk<5>(rng, 300);
  std::uint64_t seq = ref.back().seq;
  for (const auto& m : more) {
    seq += 1 + m.seq % 3;
    original.append(seq, m.values);
    back->append(seq, m.values);
  }
  std::string a;
  std::string b;
  original.serialize(a);
  back->serialize(b);
  CHECK(a == b);
}

TEST_CASE("compressed series: every truncation of the serialised bytes fails cleanly", "[store]") {
  std::mt19937_64 rng(5);
  const auto s = build(random_walk<5>(rng, 300), 100);
  std::string bytes;
  s.serialize(bytes);
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    std::string_view in(bytes.data(), n);
    const auto r = Series5::deserialize(in);
    INFO("prefix " << n << " of " << bytes.size());
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().kind == ErrorKind::kMalformed);
    CHECK(in.size() == n);  // nothing consumed on failure
  }
}

TEST_CASE("compressed series: corrupted bytes never crash or yield an inconsistent series",
          "[store]") {
  std::mt19937_64 rng(17);
  const auto s = build(random_walk<5>(rng, 300), 100);
  std::string bytes;
  s.serialize(bytes);
  std::size_t rejected = 0;
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    for (const int flip : {0x01, 0x80, 0xFF}) {
      std::string bad = bytes;
      bad[i] = static_cast<char>(static_cast<unsigned char>(bad[i]) ^ flip);
      std::string_view in = bad;
      const auto r = Series5::deserialize(in);
      if (!r) {
        CHECK(r.error().kind == ErrorKind::kMalformed);
        ++rejected;
        continue;
      }
      // Accepted (the open chunk has no checksum; the snapshot CRC covers that): it must still
      // be internally consistent.
      CHECK(decode(*r).size() == r->size());
    }
  }
  CHECK(rejected > bytes.size());  // most corruption is caught by structure and summaries
  for (int i = 0; i < 2000; ++i) {
    std::string garbage(rng() % 64, '\0');
    for (char& ch : garbage) {
      ch = static_cast<char>(rng());
    }
    std::string_view in = garbage;
    const auto r = Series5::deserialize(in);
    if (r) {
      CHECK(decode(*r).size() == r->size());
    }
  }
}

TEST_CASE("compressed series: a different channel count is rejected", "[store]") {
  Series5 s;
  s.append(1, Values5{1, 2, 3, 4, 5});
  std::string bytes;
  s.serialize(bytes);
  std::string_view in = bytes;
  const auto r = CompressedSeries<4>::deserialize(in);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().detail == "series: 5 channels, expected 4");
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
