/* The layout shared by the BPF program (alloc.bpf.c) and user space (lib/sites/record.cpp):
 * the ring-buffer stack record, the live-allocation map's value, and the counter slots.
 * Plain C, fixed-width types only, little-endian x86_64. Bump LW_RECORD_VERSION on any change. */
#ifndef LW_SITES_ALLOC_RECORD_H
#define LW_SITES_ALLOC_RECORD_H
/* C shared with the BPF program: C names, C arrays. */
/* NOLINTBEGIN */

#define LW_RECORD_MAGIC 0x4c575331u /* "LWS1" */
#define LW_RECORD_VERSION 1u
#define LW_MAX_STACK_BYTES 16384u /* a power of two: the BPF side masks with it */
#define LW_REG_COUNT 17u          /* x86_64 DWARF registers 0..16 (rip last) */

/* Allocator symbols, in the order of the BPF programs and of the call counters. */
enum lw_symbol {
  LW_SYM_MALLOC = 0,
  LW_SYM_CALLOC,
  LW_SYM_REALLOC,
  LW_SYM_REALLOCARRAY,
  LW_SYM_POSIX_MEMALIGN,
  LW_SYM_ALIGNED_ALLOC,
  LW_SYM_MEMALIGN,
  LW_SYM_VALLOC,
  LW_SYM_FREE,
  LW_SYM_COUNT
};

/* Slots of the per-CPU counter array after the per-symbol call counts. */
enum lw_counter {
  LW_CNT_SAMPLED = LW_SYM_COUNT, /* allocations chosen by the byte sampler */
  LW_CNT_LOST_RINGBUF,           /* stack records the ring buffer had no room for */
  LW_CNT_LIVE_FULL,              /* sampled allocations the full live map could not hold */
  LW_CNT_NESTED,                 /* allocator calls made inside another (realloc -> malloc) */
  LW_CNT_FAILED,                 /* allocations that returned NULL (ignored) */
  LW_CNT_COUNT
};

/* One sampled allocation's stack: this header, then stack_len bytes of user stack from rsp. */
struct lw_stack_record {
  __u32 magic;
  __u16 version;
  __u16 symbol;
  __u32 pid; /* thread group id */
  __u32 tid;
  __u64 record_id;
  __u64 size;
  __u64 weight;
  __u64 time_ns; /* CLOCK_MONOTONIC (bpf_ktime_get_ns) */
  __u64 regs[LW_REG_COUNT];
  __u32 stack_len;
  __u32 reserved;
};

/* Value of the live map (key: the allocation's address). */
struct lw_live {
  __u64 size;
  __u64 weight;
  __u64 time_ns;
  __u64 record_id;
};

/* NOLINTEND */
#endif
