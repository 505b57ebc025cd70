// Fuzz target: /dev/kmsg records and the OOM-kill lines in them (lib/procfs/kmsg_oom,
// lib/scan/kmsg_reader's OomMerger). Input: one record per line, as the fixtures in
// tests/fixtures/kmsg hold them; an empty line ends a poll.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "base/text.h"
#include "fuzz/fuzz_check.h"
#include "procfs/kmsg_oom.h"
#include "scan/kmsg_reader.h"

namespace {

using lw::fuzz::check;

void check_line(const lw::procfs::OomLine& line) {
  if (line.comm) {
    check(line.comm->find('\n') == std::string::npos, "comm has no newline");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  lw::scan::OomMerger merger;
  std::size_t merged = 0;
  lw::text::for_each_line(input, [&](std::string_view record) {
    if (record.empty()) {
      for (const auto& line : merger.end_poll()) {
        check_line(line);
        ++merged;
      }
      return;
    }
    if (const auto parsed = lw::procfs::parse_kmsg_record(record)) {
      check(parsed->message.size() <= record.size(), "message is inside the record");
      if (const auto oom = lw::procfs::parse_oom_line(parsed->message)) {
        check_line(*oom);
      }
    }
    (void)merger.add_record(record);
    check(merger.pending() <= lw::scan::OomMerger::kMaxPending, "pending halves stay bounded");
  });
  for (int poll = 0; poll < 2; ++poll) {
    for (const auto& line : merger.end_poll()) {
      check_line(line);
      ++merged;
    }
  }
  check(merger.pending() == 0, "two empty polls emit every half");
  return 0;
}
