#include "sites/record.h"

#include <array>
#include <cstring>
#include <string>
#include <vector>

#include <linux/types.h>

#include "sites/bpf/alloc_record.h"

namespace lw::sites {

static_assert(kDwarfRegisterCount == LW_REG_COUNT);
static_assert(kAllocSymbolCount == LW_SYM_COUNT);
static_assert(sizeof(lw_stack_record) == 8 * 6 + 8 * LW_REG_COUNT + 8);

namespace {

constexpr std::array<const char*, kAllocSymbolCount> kNames{
    "malloc",        "calloc",   "realloc", "reallocarray", "posix_memalign",
    "aligned_alloc", "memalign", "valloc",  "free"};

}  // namespace

const char* symbol_name(AllocSymbol s) {
  const auto i = static_cast<std::size_t>(s);
  return i < kNames.size() ? kNames.at(i) : "?";
}

std::size_t record_header_size() {
  return sizeof(lw_stack_record);
}

Result<SampleRecord> decode_record(std::span<const std::uint8_t> bytes) {
  lw_stack_record h{};
  if (bytes.size() < sizeof h) {
    return malformed("stack record: " + std::to_string(bytes.size()) +
                     " bytes, shorter than its header (" + std::to_string(sizeof h) + ")");
  }
  std::memcpy(&h, bytes.data(), sizeof h);
  if (h.magic != LW_RECORD_MAGIC || h.version != LW_RECORD_VERSION) {
    return malformed("stack record: bad magic or version " + std::to_string(h.version));
  }
  if (h.symbol >= LW_SYM_COUNT || h.symbol == LW_SYM_FREE) {
    return malformed("stack record: unknown allocator symbol " + std::to_string(h.symbol));
  }
  if (h.stack_len > LW_MAX_STACK_BYTES) {
    return malformed("stack record: stack length " + std::to_string(h.stack_len) +
                     " above the cap " + std::to_string(LW_MAX_STACK_BYTES));
  }
  // The ring buffer rounds a record up to 8 bytes: at most 7 bytes of padding.
  const std::size_t want = sizeof h + h.stack_len;
  if (bytes.size() < want || bytes.size() > want + 7) {
    return malformed("stack record: " + std::to_string(bytes.size()) + " bytes for a stack of " +
                     std::to_string(h.stack_len));
  }
  if (h.record_id == 0 || h.size == 0 || h.weight < h.size) {
    return malformed("stack record: record id 0, size 0 or weight below size");
  }
  if (h.pid == 0 || h.tid == 0 || h.pid > 0x7fffffffU || h.tid > 0x7fffffffU) {
    return malformed("stack record: pid/tid out of range");
  }
  SampleRecord r;
  r.sample.pid = static_cast<std::int32_t>(h.pid);
  r.sample.tid = static_cast<std::int32_t>(h.tid);
  std::copy(std::begin(h.regs), std::end(h.regs), r.sample.regs.begin());
  const auto stack = bytes.subspan(sizeof h, h.stack_len);
  r.sample.stack.assign(stack.begin(), stack.end());
  r.symbol = static_cast<AllocSymbol>(h.symbol);
  r.record_id = h.record_id;
  r.size = h.size;
  r.weight = h.weight;
  r.time_ns = h.time_ns;
  return r;
}

std::vector<std::uint8_t> encode_record(const SampleRecord& r) {
  lw_stack_record h{};
  h.magic = LW_RECORD_MAGIC;
  h.version = LW_RECORD_VERSION;
  h.symbol = static_cast<__u16>(r.symbol);
  h.pid = static_cast<__u32>(r.sample.pid);
  h.tid = static_cast<__u32>(r.sample.tid);
  h.record_id = r.record_id;
  h.size = r.size;
  h.weight = r.weight;
  h.time_ns = r.time_ns;
  std::copy(r.sample.regs.begin(), r.sample.regs.end(), std::begin(h.regs));
  h.stack_len = static_cast<__u32>(r.sample.stack.size());
  std::vector<std::uint8_t> out(sizeof h + r.sample.stack.size());
  std::memcpy(out.data(), &h, sizeof h);
  std::copy(r.sample.stack.begin(), r.sample.stack.end(), out.begin() + sizeof h);
  return out;
}

}  // namespace lw::sites
