// Fuzz target: the attribution engine's ring-buffer record decoder (lib/sites/record.h). The
// record's stack bytes are whatever a local user's process had on its stack, so any byte string
// must decode to a record or give kMalformed, and a decoded record must re-encode to the same
// value and respect the invariants the session relies on.

#include <cstddef>
#include <cstdint>
#include <span>

#include "fuzz/fuzz_check.h"
#include "sites/record.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using lw::fuzz::check;
  const std::span<const std::uint8_t> bytes(data, size);
  const auto record = lw::sites::decode_record(bytes);
  lw::fuzz::check_parse(record);
  if (!record) {
    return 0;
  }
  check(record->weight >= record->size, "weight is at least the size");
  check(record->record_id != 0, "a record id is never 0");
  check(record->sample.pid > 0 && record->sample.tid > 0, "pid and tid are positive");
  check(static_cast<std::size_t>(record->symbol) < lw::sites::kAllocSymbolCount, "known symbol");
  // The decoded value survives a round trip (the header's reserved bytes are not part of it).
  const auto again = lw::sites::decode_record(lw::sites::encode_record(*record));
  check(again.has_value(), "a decoded record re-encodes to a valid record");
  const lw::sites::SampleRecord& a = *record;
  const lw::sites::SampleRecord& b = *again;
  check(a.sample.pid == b.sample.pid && a.sample.tid == b.sample.tid &&
            a.sample.regs == b.sample.regs && a.sample.stack == b.sample.stack &&
            a.symbol == b.symbol && a.record_id == b.record_id && a.size == b.size &&
            a.weight == b.weight && a.time_ns == b.time_ns,
        "a decoded record round-trips through encode_record");
  check(a.sample.stack.size() + lw::sites::record_header_size() <= size,
        "the stack lies inside the bytes");
  return 0;
}
