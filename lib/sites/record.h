#pragma once

// The ring-buffer stack record (lib/sites/bpf/alloc_record.h) decoded into a StackSample and its
// sampling metadata. A pure function over bytes: the bytes come from a BPF program, but the stack
// copy in them is whatever a local user's process had on its stack, so every length is checked
// and any byte string gives either a record or an error (it has a fuzz target).

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "base/result.h"
#include "sites/stack_sample.h"

namespace lw::sites {

// The allocator entry point a record was taken at (alloc_record.h's enum lw_symbol).
enum class AllocSymbol : std::uint8_t {
  kMalloc,
  kCalloc,
  kRealloc,
  kReallocarray,
  kPosixMemalign,
  kAlignedAlloc,
  kMemalign,
  kValloc,
  kFree,
};
inline constexpr std::size_t kAllocSymbolCount = 9;
// The C name of each symbol, indexed by AllocSymbol.
const char* symbol_name(AllocSymbol s);

struct SampleRecord {
  StackSample sample;
  AllocSymbol symbol = AllocSymbol::kMalloc;
  std::uint64_t record_id = 0;
  std::uint64_t size = 0;     // bytes requested
  std::uint64_t weight = 0;   // bytes this sample stands for (>= size)
  std::uint64_t time_ns = 0;  // CLOCK_MONOTONIC at the call
};

// The fixed header's size in bytes; a record is the header plus its stack bytes.
std::size_t record_header_size();

// Decodes one ring-buffer record. Errors (kMalformed) name what is wrong: short header, bad magic
// or version, unknown symbol, a stack length above the cap or not matching the bytes present,
// weight below size, zero record id, pid or tid not positive.
Result<SampleRecord> decode_record(std::span<const std::uint8_t> bytes);

// Encodes a record as the BPF program writes it (tests and the fuzz target's seeds).
std::vector<std::uint8_t> encode_record(const SampleRecord& r);

}  // namespace lw::sites
