// SPDX-License-Identifier: GPL-2.0
/* Allocation-site capture: uprobes on the target's allocator entry points, byte-sampled.
 * Every call is counted (per symbol, per CPU) so user space knows the call rate and the trap
 * cost the target pays. An allocation of `size` bytes is sampled with probability
 * min(1, size / interval) and carries weight max(size, interval): the sum of the weights of the
 * sampled allocations is an unbiased estimate of the bytes allocated. A sampled allocation sends
 * its registers and a copy of the user stack through the ring buffer at entry, and at return
 * (when the allocator succeeded) enters address -> {size, weight, time, record id} into the live
 * map; free() removes it. No kernel types are needed (uprobes only), so no vmlinux.h. */
#include <linux/bpf.h>
#include <linux/types.h>
#include <asm/ptrace.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "alloc_record.h"

char LICENSE[] SEC("license") = "GPL";

/* Set by user space before load. */
const volatile __u32 target_pid = 0;
const volatile __u64 sample_interval = 524288;
const volatile __u32 stack_bytes = 8192;

/* A pending call older than this lost its return probe (longjmp, thread killed): ignored. */
#define LW_STALE_NS 1000000000ull

struct pending {
  __u64 size;
  __u64 old_ptr;  /* realloc's old block */
  __u64 out_ptr;  /* posix_memalign's result slot */
  __u64 start_ns;
  __u64 weight;   /* 0: not sampled */
  __u64 record_id;
  __u32 depth;    /* allocator calls nested inside the outer one (realloc -> malloc) */
  __u32 symbol;
};

struct {
  __uint(type, BPF_MAP_TYPE_LRU_HASH);
  __uint(max_entries, 16384);
  __type(key, __u32); /* tid */
  __type(value, struct pending);
} pending SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 65536); /* user space sets it (attribution.max_live_samples) */
  __type(key, __u64);         /* address */
  __type(value, struct lw_live);
} live SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_RINGBUF);
  __uint(max_entries, 1 << 22); /* user space sets it (attribution.ring_buffer_bytes) */
} events SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, LW_CNT_COUNT);
  __type(key, __u32);
  __type(value, __u64);
} counters SEC(".maps");

struct scratch {
  struct lw_stack_record hdr;
  __u8 stack[LW_MAX_STACK_BYTES];
};

struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct scratch);
} scratch_buf SEC(".maps");

__u64 next_record_id = 0;

/* Probe phase: only malloc's and free's entries are attached, and they only count (no pending
 * call, no sample). User space clears it once every other probe is attached. */
__u32 counting_only = 0;

static __always_inline void count(__u32 slot) {
  __u64 *c = bpf_map_lookup_elem(&counters, &slot);
  if (c)
    *c += 1;
}

static __always_inline __u64 sample_weight(__u64 size) {
  if (size == 0)
    return 0;
  if (size >= sample_interval)
    return size;
  /* P(sampled) = size / interval; interval <= 2^30 so neither side overflows. */
  __u64 r = bpf_get_prandom_u32();
  if (r * sample_interval < (size << 32))
    return sample_interval;
  return 0;
}

static __always_inline void emit_stack(struct pt_regs *ctx, __u32 pid, __u32 tid, __u32 sym,
                                       struct pending *p) {
  __u32 zero = 0;
  struct scratch *s = bpf_map_lookup_elem(&scratch_buf, &zero);
  if (!s)
    return;
  s->hdr.magic = LW_RECORD_MAGIC;
  s->hdr.version = LW_RECORD_VERSION;
  s->hdr.symbol = (__u16)sym;
  s->hdr.pid = pid;
  s->hdr.tid = tid;
  s->hdr.record_id = p->record_id;
  s->hdr.size = p->size;
  s->hdr.weight = p->weight;
  s->hdr.time_ns = p->start_ns;
  s->hdr.reserved = 0;
  /* DWARF order: rax rdx rcx rbx rsi rdi rbp rsp r8..r15 rip. */
  s->hdr.regs[0] = ctx->rax;
  s->hdr.regs[1] = ctx->rdx;
  s->hdr.regs[2] = ctx->rcx;
  s->hdr.regs[3] = ctx->rbx;
  s->hdr.regs[4] = ctx->rsi;
  s->hdr.regs[5] = ctx->rdi;
  s->hdr.regs[6] = ctx->rbp;
  s->hdr.regs[7] = ctx->rsp;
  s->hdr.regs[8] = ctx->r8;
  s->hdr.regs[9] = ctx->r9;
  s->hdr.regs[10] = ctx->r10;
  s->hdr.regs[11] = ctx->r11;
  s->hdr.regs[12] = ctx->r12;
  s->hdr.regs[13] = ctx->r13;
  s->hdr.regs[14] = ctx->r14;
  s->hdr.regs[15] = ctx->r15;
  s->hdr.regs[16] = ctx->rip;
  __u32 n = stack_bytes;
  if (n > LW_MAX_STACK_BYTES)
    n = LW_MAX_STACK_BYTES;
  /* Near the top of a stack rsp + n may run past its mapping: halve until the read fits. */
  long err = -1;
#pragma unroll
  for (int i = 0; i < 6; i++) {
    if (n == 0)
      break;
    err = bpf_probe_read_user(s->stack, n & (LW_MAX_STACK_BYTES * 2 - 1) & 0x7fff, (void *)ctx->rsp);
    if (err == 0)
      break;
    n /= 2;
  }
  if (err != 0)
    n = 0;
  s->hdr.stack_len = n;
  __u64 len = sizeof(struct lw_stack_record) + (n & (LW_MAX_STACK_BYTES * 2 - 1));
  if (len > sizeof(struct scratch))
    len = sizeof(struct scratch);
  if (bpf_ringbuf_output(&events, s, len, 0) != 0)
    count(LW_CNT_LOST_RINGBUF);
}

static __always_inline int on_entry(struct pt_regs *ctx, __u32 sym, __u64 size, __u64 old_ptr,
                                    __u64 out_ptr) {
  __u64 id = bpf_get_current_pid_tgid();
  __u32 pid = (__u32)(id >> 32);
  __u32 tid = (__u32)id;
  if (pid != target_pid)
    return 0;
  count(sym);
  if (counting_only)
    return 0;
  __u64 now = bpf_ktime_get_ns();
  struct pending *cur = bpf_map_lookup_elem(&pending, &tid);
  if (cur && cur->depth > 0 && now - cur->start_ns < LW_STALE_NS) {
    cur->depth += 1; /* realloc(NULL, n) -> malloc: the outer call accounts for it */
    count(LW_CNT_NESTED);
    return 0;
  }
  struct pending p = {};
  p.size = size;
  p.old_ptr = old_ptr;
  p.out_ptr = out_ptr;
  p.start_ns = now;
  p.depth = 1;
  p.symbol = sym;
  p.weight = sample_weight(size);
  if (p.weight != 0) {
    p.record_id = __sync_fetch_and_add(&next_record_id, 1) + 1;
    count(LW_CNT_SAMPLED);
    emit_stack(ctx, pid, tid, sym, &p);
  }
  bpf_map_update_elem(&pending, &tid, &p, BPF_ANY);
  return 0;
}

static __always_inline int on_return(__u64 result, int ok) {
  __u64 id = bpf_get_current_pid_tgid();
  __u32 tid = (__u32)id;
  if ((__u32)(id >> 32) != target_pid)
    return 0;
  struct pending *p = bpf_map_lookup_elem(&pending, &tid);
  if (!p || p->depth == 0)
    return 0;
  if (p->depth > 1) {
    p->depth -= 1;
    return 0;
  }
  struct pending c = *p;
  bpf_map_delete_elem(&pending, &tid);
  int is_realloc = c.symbol == LW_SYM_REALLOC || c.symbol == LW_SYM_REALLOCARRAY;
  if (!ok || result == 0) {
    /* realloc(p, 0) frees p and may return NULL; any other NULL is a failed call. */
    if (is_realloc && c.size == 0 && c.old_ptr != 0)
      bpf_map_delete_elem(&live, &c.old_ptr);
    else if (c.size != 0)
      count(LW_CNT_FAILED);
    return 0;
  }
  if (is_realloc && c.old_ptr != 0)
    bpf_map_delete_elem(&live, &c.old_ptr);
  if (c.weight == 0) {
    /* Not sampled, but the address may be a sampled block freed without our free probe seeing
     * it (a realloc that moved it): drop any stale entry for it. */
    bpf_map_delete_elem(&live, &result);
    return 0;
  }
  struct lw_live v = {.size = c.size, .weight = c.weight, .time_ns = c.start_ns,
                      .record_id = c.record_id};
  if (bpf_map_update_elem(&live, &result, &v, BPF_ANY) != 0)
    count(LW_CNT_LIVE_FULL);
  return 0;
}

/* n * each, or 0 when it overflows (the call then fails). */
static __always_inline __u64 array_size(__u64 n, __u64 each) {
  /* Split into 32-bit halves: clang turns a division-based check into a 128-bit multiply. */
  __u64 nh = n >> 32, nl = n & 0xffffffffull, eh = each >> 32, el = each & 0xffffffffull;
  if (nh != 0 && eh != 0)
    return 0;
  __u64 cross = nh * el + eh * nl; /* one of the two terms is 0 */
  if (cross >> 32)
    return 0;
  __u64 low = nl * el;
  __u64 sum = low + (cross << 32);
  if (sum < low)
    return 0;
  return sum;
}

SEC("uprobe")
int BPF_KPROBE(malloc_entry, __u64 size) { return on_entry(ctx, LW_SYM_MALLOC, size, 0, 0); }

SEC("uprobe")
int BPF_KPROBE(calloc_entry, __u64 n, __u64 each) {
  return on_entry(ctx, LW_SYM_CALLOC, array_size(n, each), 0, 0);
}

SEC("uprobe")
int BPF_KPROBE(realloc_entry, __u64 old, __u64 size) {
  return on_entry(ctx, LW_SYM_REALLOC, size, old, 0);
}

SEC("uprobe")
int BPF_KPROBE(reallocarray_entry, __u64 old, __u64 n, __u64 each) {
  return on_entry(ctx, LW_SYM_REALLOCARRAY, array_size(n, each), old, 0);
}

SEC("uprobe")
int BPF_KPROBE(posix_memalign_entry, __u64 out, __u64 align, __u64 size) {
  return on_entry(ctx, LW_SYM_POSIX_MEMALIGN, size, 0, out);
}

SEC("uprobe")
int BPF_KPROBE(aligned_alloc_entry, __u64 align, __u64 size) {
  return on_entry(ctx, LW_SYM_ALIGNED_ALLOC, size, 0, 0);
}

SEC("uprobe")
int BPF_KPROBE(memalign_entry, __u64 align, __u64 size) {
  return on_entry(ctx, LW_SYM_MEMALIGN, size, 0, 0);
}

SEC("uprobe")
int BPF_KPROBE(valloc_entry, __u64 size) { return on_entry(ctx, LW_SYM_VALLOC, size, 0, 0); }

SEC("uretprobe")
int BPF_KRETPROBE(alloc_return, __u64 rc) { return on_return(rc, 1); }

SEC("uretprobe")
int BPF_KRETPROBE(posix_memalign_return, int rc) {
  __u32 tid = (__u32)bpf_get_current_pid_tgid();
  struct pending *p = bpf_map_lookup_elem(&pending, &tid);
  __u64 addr = 0;
  if (p && p->depth == 1 && rc == 0 && p->out_ptr != 0)
    bpf_probe_read_user(&addr, sizeof(addr), (void *)p->out_ptr);
  return on_return(addr, rc == 0);
}

SEC("uprobe")
int BPF_KPROBE(free_entry, __u64 ptr) {
  __u64 id = bpf_get_current_pid_tgid();
  if ((__u32)(id >> 32) != target_pid)
    return 0;
  count(LW_SYM_FREE);
  if (ptr != 0 && !counting_only)
    bpf_map_delete_elem(&live, &ptr);
  return 0;
}
