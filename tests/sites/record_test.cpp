#include "sites/record.h"

#include <cstdint>
#include <vector>

#include <catch2/catch.hpp>

namespace {

lw::sites::SampleRecord sample() {
  lw::sites::SampleRecord r;
  r.sample.pid = 1234;
  r.sample.tid = 1240;
  for (std::size_t i = 0; i < r.sample.regs.size(); ++i) {
    r.sample.regs.at(i) = 0x1000 + i;
  }
  r.sample.stack = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13};
  r.symbol = lw::sites::AllocSymbol::kCalloc;
  r.record_id = 42;
  r.size = 100;
  r.weight = 524288;
  r.time_ns = 987654321;
  return r;
}

}  // namespace

TEST_CASE("a stack record decodes to the sample the BPF program wrote") {
  const auto bytes = lw::sites::encode_record(sample());
  REQUIRE(bytes.size() == lw::sites::record_header_size() + 13);
  const auto r = lw::sites::decode_record(bytes);
  REQUIRE(r);
  CHECK(r->sample.pid == 1234);
  CHECK(r->sample.tid == 1240);
  CHECK(r->sample.regs.at(lw::sites::kDwarfRsp) == 0x1000 + 7);
  CHECK(r->sample.regs.at(lw::sites::kDwarfRip) == 0x1000 + 16);
  CHECK(r->sample.stack == sample().sample.stack);
  CHECK(r->symbol == lw::sites::AllocSymbol::kCalloc);
  CHECK(std::string(lw::sites::symbol_name(r->symbol)) == "calloc");
  CHECK(r->record_id == 42);
  CHECK(r->size == 100);
  CHECK(r->weight == 524288);
  CHECK(r->time_ns == 987654321);
}

TEST_CASE("the ring buffer's padding to 8 bytes is accepted, more is not") {
  auto bytes = lw::sites::encode_record(sample());
  bytes.resize(bytes.size() + 3);  // 13 stack bytes pad to 16
  CHECK(lw::sites::decode_record(bytes));
  bytes.resize(bytes.size() + 5);
  const auto r = lw::sites::decode_record(bytes);
  REQUIRE_FALSE(r);
  CHECK(r.error().detail.find("for a stack of 13") != std::string::npos);
}

TEST_CASE("malformed stack records are errors, never out-of-bounds reads") {
  const auto good = lw::sites::encode_record(sample());
  SECTION("shorter than the header, down to empty") {
    for (std::size_t n = 0; n < lw::sites::record_header_size(); n += 7) {
      const auto r = lw::sites::decode_record({good.data(), n});
      REQUIRE_FALSE(r);
      CHECK(r.error().detail.find("shorter than its header") != std::string::npos);
    }
  }
  SECTION("a stack length larger than the bytes present") {
    const std::vector<std::uint8_t> cut(good.begin(), good.end() - 5);
    CHECK_FALSE(lw::sites::decode_record(cut));
  }
  SECTION("bad magic") {
    auto b = good;
    b[0] ^= 0xffU;
    CHECK(lw::sites::decode_record(b).error().detail.find("magic") != std::string::npos);
  }
  SECTION("free is not an allocation; unknown symbols are rejected") {
    auto r = sample();
    r.symbol = lw::sites::AllocSymbol::kFree;
    CHECK_FALSE(lw::sites::decode_record(lw::sites::encode_record(r)));
    auto b = good;
    b[6] = 200;  // the symbol field
    CHECK(lw::sites::decode_record(b).error().detail.find("symbol") != std::string::npos);
  }
  SECTION("a stack above the 16 KiB cap") {
    auto r = sample();
    r.sample.stack.assign(16384 + 8, 0);
    CHECK(lw::sites::decode_record(lw::sites::encode_record(r)).error().detail.find("cap") !=
          std::string::npos);
  }
  SECTION("weight below size, zero id, zero pid") {
    auto r = sample();
    r.weight = 10;
    CHECK_FALSE(lw::sites::decode_record(lw::sites::encode_record(r)));
    r = sample();
    r.record_id = 0;
    CHECK_FALSE(lw::sites::decode_record(lw::sites::encode_record(r)));
    r = sample();
    r.sample.pid = 0;
    CHECK_FALSE(lw::sites::decode_record(lw::sites::encode_record(r)));
  }
}

TEST_CASE("every truncation and single-byte corruption of a record decodes or fails cleanly") {
  const auto good = lw::sites::encode_record(sample());
  for (std::size_t n = 0; n <= good.size(); ++n) {
    (void)lw::sites::decode_record({good.data(), n});
  }
  for (std::size_t i = 0; i < good.size(); ++i) {
    auto b = good;
    b[i] = static_cast<std::uint8_t>(b[i] ^ 0x80U);
    const auto r = lw::sites::decode_record(b);
    if (r) {
      CHECK(r->sample.stack.size() <= 16384);
      CHECK(r->weight >= r->size);
    }
  }
}
