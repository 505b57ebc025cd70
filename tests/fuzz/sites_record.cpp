// Fuzz target: the attribution engine's ring-buffer record decoder (lib/sites/record.h). The
// record's stack bytes are whatever a local user's process had on its stack, so any byte string
// must decode to a record or give kMalformed, and a decoded record must re-encode to the same
// bytes (up to the ring buffer's padding) and respect the invariants the session relies on.

#include <algorithm>
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
  const auto again = lw::sites::encode_record(*record);
  check(again.size() <= size, "a decoded record re-encodes to no more than its bytes");
  check(std::equal(again.begin(), again.end(), bytes.begin()),
        "a decoded record re-encodes to the same bytes");
  return 0;
}
