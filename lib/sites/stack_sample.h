#pragma once

// The contract between the capture side of allocation-site attribution (BPF uprobes, ring
// buffer) and the unwinding side (libdwfl): what one sampled allocation's stack looks like once
// decoded, and what a symbolized frame is. x86_64 only.

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace lw::sites {

// The user registers at the probe, in DWARF register numbering for x86_64 (System V psABI):
// 0 rax, 1 rdx, 2 rcx, 3 rbx, 4 rsi, 5 rdi, 6 rbp, 7 rsp, 8..15 r8..r15, 16 rip.
inline constexpr std::size_t kDwarfRegisterCount = 17;
inline constexpr std::size_t kDwarfRsp = 7;
inline constexpr std::size_t kDwarfRip = 16;

// One sampled allocation's user stack: the registers at the allocator's entry and a copy of the
// user stack from rsp upward (as many bytes as the capture could read, up to its configured cap).
struct StackSample {
  std::int32_t pid = 0;  // thread group id
  std::int32_t tid = 0;
  std::array<std::uint64_t, kDwarfRegisterCount> regs{};
  std::vector<std::uint8_t> stack;  // stack[0] is the byte at regs[kDwarfRsp]
};

// One frame, innermost (the allocator's entry) first. A frame with no symbol has an empty
// function and is shown as module+0x<offset>; an inlined frame shares its address with the frame
// after it.
struct Frame {
  std::string function;      // demangled; empty when unknown
  std::string file;          // source file; empty when unknown
  int line = 0;              // 0 when unknown
  std::string module;        // the mapped file's path as the target sees it
  std::string build_id;      // lowercase hex; empty when the file has none
  std::uint64_t offset = 0;  // the ELF address in `module` (what `addr2line -e module` takes)
  bool inlined = false;
};

}  // namespace lw::sites
