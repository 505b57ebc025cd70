#include "sites/unwinder.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <map>
#include <tuple>
#include <unordered_map>
#include <utility>

#include <elfutils/libdwfl.h>
#include <fcntl.h>
#include <sys/uio.h>
#include <unistd.h>

#include "sites/dwfl_symbols.h"
#include "sites/hex.h"
#include "sites/module_map.h"
#include "sites/module_report.h"

namespace lw::sites {
namespace {

struct ModuleInfo {
  std::string path;  // as the target sees it
  std::string build_id;
};

// A module reported to libdwfl: the file (path, inode) at its lowest mapped address, and the
// range libdwfl gave it.
using ReportedKey = std::tuple<std::string, std::uint64_t, std::uint64_t>;
struct ReportedRange {
  Dwarf_Addr low = 0;
  Dwarf_Addr high = 0;
};

struct SymbolKey {
  std::string module_key;  // build-id, or the path when the file has none
  std::uint64_t elf_address = 0;
  bool operator==(const SymbolKey&) const = default;
};

struct SymbolKeyHash {
  std::size_t operator()(const SymbolKey& k) const {
    return std::hash<std::string>{}(k.module_key) ^
           (std::hash<std::uint64_t>{}(k.elf_address) * 31);
  }
};

std::size_t frame_bytes(const Frame& f) {
  return sizeof(Frame) + f.function.capacity() + f.file.capacity() + f.module.capacity() +
         f.build_id.capacity();
}

}  // namespace

struct Unwinder::Impl {
  pid_t pid;
  UnwindOptions options;
  std::string debuginfo_storage;
  char* debuginfo_path = nullptr;  // libdwfl reads it through Dwfl_Callbacks
  Dwfl_Callbacks callbacks{};
  Dwfl* dwfl = nullptr;
  bool state_attached = false;
  bool maps_read = false;
  std::vector<Mapping> mappings;  // the last /proc/PID/maps read
  const StackSample* current = nullptr;
  std::unordered_map<Dwfl_Module*, ModuleInfo> modules;
  std::map<ReportedKey, ReportedRange> reported;  // what libdwfl has, by file and address
  std::unordered_map<std::string, std::size_t> debug_bytes;  // by build-id (or path)
  std::unordered_map<SymbolKey, std::vector<Frame>, SymbolKeyHash> symbols;
  std::size_t symbol_bytes = 0;
  UnwindStats stats;

  Impl(pid_t p, UnwindOptions o) : pid(p), options(std::move(o)) {
    callbacks.find_elf = dwfl_build_id_find_elf;
    callbacks.find_debuginfo = dwfl_standard_find_debuginfo;
    callbacks.section_address = dwfl_offline_section_address;
    if (!options.debuginfo_path.empty()) {
      // libdwfl's syntax: ":.debug:<dir>" (no CRC check prefix, then the directories).
      debuginfo_storage = ":.debug:" + options.debuginfo_path;
      debuginfo_path = debuginfo_storage.data();
      callbacks.debuginfo_path = &debuginfo_path;
    }
  }
  ~Impl() {
    if (dwfl != nullptr) {
      dwfl_end(dwfl);
    }
  }
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;
  Impl(Impl&&) = delete;
  Impl& operator=(Impl&&) = delete;

  Status refresh();
  bool known_mapping(std::uint64_t addr) const;
  Status unwind_pcs(const StackSample& s, std::vector<Dwarf_Addr>& pcs, bool& unknown_pc);
  const std::vector<Frame>& frames_at(Dwfl_Module* mod, Dwarf_Addr pc);
  std::vector<Frame> frames_for(Dwarf_Addr pc);
};

namespace {

pid_t next_thread(Dwfl* /*dwfl*/, void* arg, void** thread_arg) {
  if (*thread_arg != nullptr) {
    return 0;
  }
  auto* impl = static_cast<Unwinder::Impl*>(arg);
  *thread_arg = arg;
  return impl->current->tid;
}

bool memory_read(Dwfl* /*dwfl*/, Dwarf_Addr addr, Dwarf_Word* result, void* arg) {
  const auto* impl = static_cast<const Unwinder::Impl*>(arg);
  const StackSample& s = *impl->current;
  const std::uint64_t sp = s.regs[kDwarfRsp];
  if (addr >= sp && addr - sp <= s.stack.size() && s.stack.size() - (addr - sp) >= sizeof *result) {
    std::memcpy(result, s.stack.data() + (addr - sp), sizeof *result);
    return true;
  }
  if (!impl->options.read_target_memory) {
    return false;
  }
  iovec local{result, sizeof *result};
  // NOLINTNEXTLINE(performance-no-int-to-ptr): a remote address, never dereferenced here
  iovec remote{reinterpret_cast<void*>(addr), sizeof *result};
  return process_vm_readv(impl->pid, &local, 1, &remote, 1, 0) ==
         static_cast<ssize_t>(sizeof *result);
}

bool set_initial_registers(Dwfl_Thread* thread, void* thread_arg) {
  const auto* impl = static_cast<const Unwinder::Impl*>(thread_arg);
  return dwfl_thread_state_registers(thread, 0, kDwarfRegisterCount, impl->current->regs.data());
}

const Dwfl_Thread_Callbacks kThreadCallbacks = {
    .next_thread = next_thread,
    .get_thread = nullptr,
    .memory_read = memory_read,
    .set_initial_registers = set_initial_registers,
    .detach = nullptr,
    .thread_detach = nullptr,
};

struct FrameWalk {
  Unwinder::Impl* impl;
  std::vector<Dwarf_Addr>* pcs;
  bool unknown_pc = false;
};

int on_frame(Dwfl_Frame* state, void* arg) {
  auto* walk = static_cast<FrameWalk*>(arg);
  Dwarf_Addr pc = 0;
  bool activation = false;
  if (!dwfl_frame_pc(state, &pc, &activation)) {
    return DWARF_CB_ABORT;
  }
  // A return address points after the call: look up the call instruction itself.
  const Dwarf_Addr lookup = activation || pc == 0 ? pc : pc - 1;
  if (dwfl_addrmodule(walk->impl->dwfl, lookup) == nullptr && !walk->impl->known_mapping(lookup)) {
    walk->unknown_pc = true;
    return DWARF_CB_ABORT;
  }
  walk->pcs->push_back(lookup);
  return walk->pcs->size() >= walk->impl->options.max_frames ? DWARF_CB_ABORT : DWARF_CB_OK;
}

}  // namespace

bool Unwinder::Impl::known_mapping(std::uint64_t addr) const {
  for (const auto& m : mappings) {
    if (m.contains(addr)) {
      return true;
    }
  }
  return false;
}

Status Unwinder::Impl::refresh() {
  auto maps = read_maps(pid, options.proc_root);
  if (!maps) {
    return maps.error();
  }
  ++stats.map_refreshes;
  if (maps_read && maps->mappings == mappings) {
    return Ok{};  // nothing mapped or unmapped since: the modules reported stand
  }
  mappings = std::move(maps->mappings);
  maps_read = true;
  if (dwfl == nullptr) {
    dwfl = dwfl_begin(&callbacks);
    if (dwfl == nullptr) {
      return Error{ErrorKind::kIo, std::string("dwfl_begin: ") + dwfl_errmsg(-1)};
    }
  }
  // Modules still mapped are kept with their caches (dwfl_report_module with the same name and
  // range: dwfl_report_elf would open the file again and take it for an overlap); new ones are
  // opened; the others are dropped (an unloaded library's range may be reused by the next one).
  dwfl_report_begin(dwfl);
  std::map<ReportedKey, ReportedRange> still;
  for (const Module& module : group_modules(mappings)) {
    const ReportedKey key{module.path, module.inode, module.low};
    if (auto it = reported.find(key); it != reported.end()) {
      dwfl_report_module(dwfl, module.path.c_str(), it->second.low, it->second.high);
      still.insert(*it);
    } else if (Dwfl_Module* mod = detail::report_module(dwfl, pid, module, options.proc_root,
                                                        options.use_map_files)) {
      ReportedRange range;
      dwfl_module_info(mod, nullptr, &range.low, &range.high, nullptr, nullptr, nullptr, nullptr);
      still.emplace(key, range);
    }
  }
  reported = std::move(still);
  if (dwfl_report_end(dwfl, nullptr, nullptr) != 0) {
    return Error{ErrorKind::kIo, std::string("dwfl_report_end: ") + dwfl_errmsg(-1)};
  }
  // Pointers of dropped modules are gone; symbols stay (keyed by build-id and ELF address).
  modules.clear();
  if (!state_attached) {
    if (!dwfl_attach_state(dwfl, nullptr, pid, &kThreadCallbacks, this)) {
      return Error{ErrorKind::kIo, std::string("dwfl_attach_state: ") + dwfl_errmsg(-1)};
    }
    state_attached = true;
  }
  return Ok{};
}

Status Unwinder::Impl::unwind_pcs(const StackSample& s, std::vector<Dwarf_Addr>& pcs,
                                  bool& unknown_pc) {
  current = &s;
  FrameWalk walk{this, &pcs};
  const int rc = dwfl_getthread_frames(dwfl, s.tid, on_frame, &walk);
  current = nullptr;
  unknown_pc = walk.unknown_pc;
  if (rc != 0 && !walk.unknown_pc && pcs.size() < options.max_frames) {
    ++stats.truncated;
  }
  return Ok{};
}

const std::vector<Frame>& Unwinder::Impl::frames_at(Dwfl_Module* mod, Dwarf_Addr pc) {
  auto it = modules.find(mod);
  if (it == modules.end()) {
    const char* name =
        dwfl_module_info(mod, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr);
    it = modules.emplace(mod, ModuleInfo{name != nullptr ? name : "", detail::module_build_id(mod)})
             .first;
  }
  const ModuleInfo& info = it->second;
  Dwarf_Addr bias = 0;
  const std::uint64_t elf_address = dwfl_module_getelf(mod, &bias) != nullptr ? pc - bias : pc;
  SymbolKey key{info.build_id.empty() ? info.path : info.build_id, elf_address};
  if (auto hit = symbols.find(key); hit != symbols.end()) {
    ++stats.symbol_cache_hits;
    return hit->second;
  }
  ++stats.symbol_cache_misses;
  std::vector<Frame> frames = detail::symbolize_in_module(mod, pc, info.path, info.build_id);
  if (!debug_bytes.contains(key.module_key)) {
    debug_bytes.emplace(key.module_key, detail::debug_heap_estimate(mod));
  }
  symbol_bytes += sizeof(SymbolKey) + key.module_key.capacity() + 64;  // node and bucket
  for (const Frame& f : frames) {
    symbol_bytes += frame_bytes(f);
  }
  return symbols.emplace(std::move(key), std::move(frames)).first->second;
}

std::vector<Frame> Unwinder::Impl::frames_for(Dwarf_Addr pc) {
  if (Dwfl_Module* mod = dwfl_addrmodule(dwfl, pc)) {
    return frames_at(mod, pc);
  }
  // In a mapping libdwfl could not open (a deleted file without map_files access, a non-ELF
  // file) or in anonymous memory (JIT code): the mapping's path and file offset.
  Frame f;
  for (const auto& m : mappings) {
    if (m.contains(pc)) {
      f.module = m.path;
      f.offset = pc - m.start + m.offset;
      break;
    }
  }
  if (f.module.empty()) {
    f.offset = pc;
  }
  return {f};
}

Unwinder::Unwinder(pid_t pid, UnwindOptions options)
    : impl_(std::make_unique<Impl>(pid, std::move(options))) {}
Unwinder::~Unwinder() = default;
Unwinder::Unwinder(Unwinder&&) noexcept = default;
Unwinder& Unwinder::operator=(Unwinder&&) noexcept = default;

Status Unwinder::attach() {
  return impl_->refresh();
}

Result<std::vector<Frame>> Unwinder::unwind(const StackSample& sample) {
  Impl& d = *impl_;
  if (sample.pid != d.pid) {
    return malformed("sample of pid " + std::to_string(sample.pid) + " given to the unwinder of " +
                     std::to_string(d.pid));
  }
  if (!d.maps_read || !d.known_mapping(sample.regs[kDwarfRip])) {
    if (auto st = d.refresh(); !st) {
      return st.error();
    }
  }
  std::vector<Dwarf_Addr> pcs;
  bool unknown_pc = false;
  (void)d.unwind_pcs(sample, pcs, unknown_pc);
  if (unknown_pc) {
    // A library mapped since the last read (dlopen): read the map again, unwind again.
    if (auto st = d.refresh(); !st) {
      return st.error();
    }
    pcs.clear();
    (void)d.unwind_pcs(sample, pcs, unknown_pc);
  }
  if (pcs.empty()) {
    return Error{ErrorKind::kIo, "no frame unwound at pc " + detail::hex(sample.regs[kDwarfRip]) +
                                     ": " + dwfl_errmsg(-1)};
  }
  ++d.stats.samples;
  std::vector<Frame> out;
  for (const Dwarf_Addr pc : pcs) {
    for (Frame& f : d.frames_for(pc)) {
      out.push_back(std::move(f));
    }
  }
  d.stats.frames += out.size();
  return out;
}

Result<std::vector<Frame>> Unwinder::symbolize(std::uint64_t pc) {
  Impl& d = *impl_;
  if (!d.maps_read || (!d.known_mapping(pc) || dwfl_addrmodule(d.dwfl, pc) == nullptr)) {
    if (auto st = d.refresh(); !st) {
      return st.error();
    }
  }
  return d.frames_for(pc);
}

std::size_t Unwinder::cache_bytes() const {
  std::size_t debug = 0;
  for (const auto& [key, bytes] : impl_->debug_bytes) {
    debug += bytes;
  }
  return impl_->symbol_bytes + impl_->mappings.capacity() * sizeof(Mapping) +
         impl_->modules.size() * (sizeof(ModuleInfo) + 96) + debug;
}

const UnwindStats& Unwinder::stats() const {
  return impl_->stats;
}
pid_t Unwinder::pid() const {
  return impl_->pid;
}

}  // namespace lw::sites
