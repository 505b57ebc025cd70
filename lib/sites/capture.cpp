#include "sites/capture.h"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <string>
#include <system_error>
#include <thread>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/capability.h>
#include <linux/types.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "alloc.skel.h"
#include "sites/bpf/alloc_record.h"

namespace lw::sites {

namespace {

std::string errno_text(int e) {
  return std::strerror(e);  // NOLINT(concurrency-mt-unsafe): single-threaded command
}

Error bpf_error(const std::string& what, int err) {
  const int e = err < 0 ? -err : err;
  const bool denied = e == EPERM || e == EACCES;
  return Error{
      denied ? ErrorKind::kDenied : ErrorKind::kIo,
      what + ": " + errno_text(e) + (denied ? " (needs CAP_BPF and CAP_PERFMON, or root)" : "")};
}

// libbpf prints its own diagnostics to stderr by default; the command reports errors itself.
int quiet_print(libbpf_print_level /*level*/, const char* /*fmt*/, va_list /*args*/) {
  return 0;
}

}  // namespace

std::uint64_t CaptureCounters::traps() const {
  std::uint64_t t = 0;
  for (std::size_t i = 0; i < calls.size(); ++i) {
    t += calls.at(i) * (i == static_cast<std::size_t>(AllocSymbol::kFree) ? 1 : 2);
  }
  return t;
}

struct Capture::Impl {
  alloc_bpf* skel = nullptr;
  ring_buffer* ring = nullptr;
  std::vector<bpf_link*> links;
  const std::function<void(SampleRecord&&)>* sink = nullptr;
  std::uint64_t decode_errors = 0;
  AllocatorTarget alloc;
  int target_pid = 0;

  ~Impl() {
    if (ring != nullptr) {
      ring_buffer__free(ring);
    }
    for (auto* l : links) {
      bpf_link__destroy(l);
    }
    alloc_bpf__destroy(skel);
  }

  static int on_record(void* ctx, void* data, std::size_t size) {
    auto* self = static_cast<Impl*>(ctx);
    auto r = decode_record({static_cast<const std::uint8_t*>(data), size});
    if (!r) {
      ++self->decode_errors;
      return 0;
    }
    if (self->sink != nullptr) {
      (*self->sink)(std::move(*r));
    }
    return 0;
  }

  Status attach_one(bpf_program* prog, bool ret, int pid, const std::string& path,
                    std::uint64_t offset) {
    bpf_link* l = bpf_program__attach_uprobe(prog, ret, pid, path.c_str(), offset);
    if (l == nullptr) {
      return bpf_error(std::string(ret ? "uretprobe " : "uprobe ") + path, errno);
    }
    links.push_back(l);
    return Ok{};
  }

  std::array<bpf_program*, kAllocSymbolCount> entries() const {
    return {skel->progs.malloc_entry,
            skel->progs.calloc_entry,
            skel->progs.realloc_entry,
            skel->progs.reallocarray_entry,
            skel->progs.posix_memalign_entry,
            skel->progs.aligned_alloc_entry,
            skel->progs.memalign_entry,
            skel->progs.valloc_entry,
            skel->progs.free_entry};
  }

  // The probe phase's probes: enough to measure the call rate (malloc and free dominate any
  // allocator's), in counting-only mode.
  static bool probe_phase_symbol(AllocSymbol sym) {
    return sym == AllocSymbol::kMalloc || sym == AllocSymbol::kFree;
  }

  Status attach_probe_phase() {
    const auto entry = entries();
    for (std::size_t i = 0; i < kAllocSymbolCount; ++i) {
      const auto& off = alloc.offsets.at(i);
      if (off && probe_phase_symbol(static_cast<AllocSymbol>(i))) {
        if (auto s = attach_one(entry.at(i), false, target_pid, alloc.open_path, *off); !s) {
          return s;
        }
      }
    }
    return Ok{};
  }

  Status attach_rest() {
    const auto entry = entries();
    for (std::size_t i = 0; i < kAllocSymbolCount; ++i) {
      const auto& off = alloc.offsets.at(i);
      if (!off) {
        continue;
      }
      // Return probe first: an entry without its return would leave a pending call behind.
      const auto sym = static_cast<AllocSymbol>(i);
      if (sym != AllocSymbol::kFree) {
        auto* ret = sym == AllocSymbol::kPosixMemalign ? skel->progs.posix_memalign_return
                                                       : skel->progs.alloc_return;
        if (auto s = attach_one(ret, true, target_pid, alloc.open_path, *off); !s) {
          return s;
        }
      }
      if (probe_phase_symbol(sym)) {
        continue;  // its entry is attached since open()
      }
      if (auto s = attach_one(entry.at(i), false, target_pid, alloc.open_path, *off); !s) {
        return s;
      }
    }
    // Every return probe is in place: entries may now leave pending calls and sample.
    skel->bss->counting_only = 0;
    return Ok{};
  }
};

Capture::Capture(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Capture::~Capture() = default;

Result<std::unique_ptr<Capture>> Capture::open(const CaptureOptions& opts,
                                               const AllocatorTarget& target) {
  libbpf_set_print(quiet_print);
  auto impl = std::make_unique<Impl>();
  impl->skel = alloc_bpf__open();
  if (impl->skel == nullptr) {
    return bpf_error("open the BPF object", errno);
  }
  impl->skel->rodata->target_pid = static_cast<__u32>(opts.pid);
  impl->skel->rodata->sample_interval = opts.sample_interval;
  impl->skel->rodata->stack_bytes = opts.stack_bytes;
  impl->skel->bss->counting_only = 1;
  impl->alloc = target;
  impl->target_pid = opts.pid;
  if (int e = bpf_map__set_max_entries(impl->skel->maps.live, opts.max_live); e != 0) {
    return bpf_error("size the live map", e);
  }
  if (int e = bpf_map__set_max_entries(impl->skel->maps.events, opts.ring_bytes); e != 0) {
    return bpf_error("size the ring buffer", e);
  }
  if (int e = alloc_bpf__load(impl->skel); e != 0) {
    return bpf_error("load the BPF program (bpf())", e);
  }
  impl->ring =
      ring_buffer__new(bpf_map__fd(impl->skel->maps.events), &Impl::on_record, impl.get(), nullptr);
  if (impl->ring == nullptr) {
    return bpf_error("open the ring buffer", errno);
  }
  if (auto s = impl->attach_probe_phase(); !s) {
    return s.error();
  }
  return std::unique_ptr<Capture>(new Capture(std::move(impl)));
}

Status Capture::attach_rest() {
  return impl_->attach_rest();
}

void Capture::detach() {
  // Removing a uprobe waits for an RCU grace period (~100 ms here): one thread per probe lets
  // the waits overlap, so the target stops paying in one grace period instead of one per probe.
  std::vector<std::thread> removers;
  removers.reserve(impl_->links.size());
  for (auto* l : impl_->links) {
    try {
      removers.emplace_back([l] { bpf_link__destroy(l); });
    } catch (const std::system_error&) {
      bpf_link__destroy(l);  // no thread: remove it here
    }
  }
  for (auto& t : removers) {
    t.join();
  }
  impl_->links.clear();
}

bool Capture::attached() const {
  return !impl_->links.empty();
}
std::size_t Capture::probe_count() const {
  return impl_->links.size();
}
std::uint64_t Capture::decode_errors() const {
  return impl_->decode_errors;
}

Result<std::size_t> Capture::poll(std::chrono::milliseconds timeout,
                                  const std::function<void(SampleRecord&&)>& sink) {
  impl_->sink = &sink;
  const int n = ring_buffer__poll(impl_->ring, static_cast<int>(timeout.count()));
  impl_->sink = nullptr;
  if (n < 0 && n != -EINTR) {
    return bpf_error("read the ring buffer", n);
  }
  return static_cast<std::size_t>(n < 0 ? 0 : n);
}

CaptureCounters Capture::counters() const {
  CaptureCounters c;
  const int cpus = libbpf_num_possible_cpus();
  if (cpus <= 0) {
    return c;
  }
  std::vector<std::uint64_t> per_cpu(static_cast<std::size_t>(cpus));
  const int fd = bpf_map__fd(impl_->skel->maps.counters);
  std::array<std::uint64_t, LW_CNT_COUNT> total{};
  for (__u32 slot = 0; slot < LW_CNT_COUNT; ++slot) {
    if (bpf_map_lookup_elem(fd, &slot, per_cpu.data()) != 0) {
      continue;
    }
    for (const auto v : per_cpu) {
      total.at(slot) += v;
    }
  }
  std::copy(total.begin(), total.begin() + kAllocSymbolCount, c.calls.begin());
  c.sampled = total.at(LW_CNT_SAMPLED);
  c.lost_ringbuf = total.at(LW_CNT_LOST_RINGBUF);
  c.live_full = total.at(LW_CNT_LIVE_FULL);
  c.nested = total.at(LW_CNT_NESTED);
  c.failed = total.at(LW_CNT_FAILED);
  return c;
}

Result<std::vector<LiveEntry>> Capture::live() const {
  const int fd = bpf_map__fd(impl_->skel->maps.live);
  std::vector<LiveEntry> out;
  __u64 key = 0;
  __u64 next = 0;
  const void* prev = nullptr;
  // A key deleted under the walk restarts it from the first key: bound the walk.
  std::size_t budget = 2 * static_cast<std::size_t>(bpf_map__max_entries(impl_->skel->maps.live));
  while (budget-- > 0 && bpf_map_get_next_key(fd, prev, &next) == 0) {
    lw_live v{};
    if (bpf_map_lookup_elem(fd, &next, &v) == 0) {
      out.push_back({next, v.size, v.weight, v.time_ns, v.record_id});
    }
    key = next;
    prev = &key;
  }
  if (budget > 0 && errno != ENOENT) {
    return bpf_error("read the live map", errno);
  }
  std::sort(out.begin(), out.end(),
            [](const LiveEntry& a, const LiveEntry& b) { return a.address < b.address; });
  out.erase(
      std::unique(out.begin(), out.end(),
                  [](const LiveEntry& a, const LiveEntry& b) { return a.address == b.address; }),
      out.end());
  return out;
}

namespace {

// Whether this process's effective set holds `cap` (capget(2): no /proc path, nothing to parse).
bool has_capability(int cap) {
  __user_cap_header_struct header{};
  header.version = _LINUX_CAPABILITY_VERSION_3;
  std::array<__user_cap_data_struct, _LINUX_CAPABILITY_U32S_3> data{};
  if (::syscall(SYS_capget, &header, data.data()) != 0) {
    return false;
  }
  const auto word = static_cast<std::size_t>(cap) / 32;
  return word < data.size() && ((data.at(word).effective >> (cap % 32)) & 1U) != 0;
}

}  // namespace

std::string missing_privileges() {
  constexpr int kCapSysAdmin = 21;
  constexpr int kCapPerfmon = 38;
  constexpr int kCapBpf = 39;
  if (has_capability(kCapSysAdmin)) {
    return {};
  }
  std::string missing;
  if (!has_capability(kCapBpf)) {
    missing = "CAP_BPF";
  }
  if (!has_capability(kCapPerfmon)) {
    missing += missing.empty() ? "CAP_PERFMON" : " and CAP_PERFMON";
  }
  return missing;
}

}  // namespace lw::sites
