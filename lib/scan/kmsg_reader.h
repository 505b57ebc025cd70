#pragma once

// OOM kills as the kernel reports them in /dev/kmsg (Documentation/ABI/testing/dev-kmsg).
// Every read() of /dev/kmsg returns exactly one record; EAGAIN means none is left (O_NONBLOCK),
// EPIPE means the ring buffer overwrote records we had not read yet (the next read resumes at the
// oldest one still there). A kill is usually two lines with the same pid: the "oom-kill:" summary
// (cgroups, constraint) and the "Killed process" line (sizes); OomMerger joins them.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/fd.h"
#include "base/result.h"
#include "procfs/kmsg_oom.h"

namespace lw::scan {

// Joins the (a) "oom-kill:" line and the (b)/(c) "Killed process" line of one kill into one
// OomLine. Pure: no I/O, no clock; one "poll" is one batch of records between end_poll() calls.
// A half whose partner has not arrived by the end of the *next* poll is emitted on its own, so a
// pair split across two reads still merges and a lone line (pre-4.19 kernels print no (a) line)
// is reported one poll late, never lost.
class OomMerger {
 public:
  // At most this many halves wait for a partner; beyond it the oldest is emitted alone.
  static constexpr std::size_t kMaxPending = 256;

  // Feeds one parsed OOM line.
  void add(procfs::OomLine line);

  // Feeds one raw /dev/kmsg record ("PRI,SEQ,TS,FLAGS;MESSAGE\n..."). Returns false when the
  // record header is malformed; records that are not OOM kill lines are ignored (true), and so
  // are records not of the kernel's facility (written from user space), OOM-like or not.
  bool add_record(std::string_view record);

  // Records from user space that looked like OOM kill lines, ignored since the start.
  std::uint64_t non_kernel_oom_lines() const { return non_kernel_oom_lines_; }

  // Ends the current poll: every kill merged during it, then every half that waited a whole
  // further poll for its partner, in arrival order.
  std::vector<procfs::OomLine> end_poll();

  std::size_t pending() const { return pending_.size(); }

 private:
  struct Half {
    procfs::OomLine line;
    bool is_kill_line = false;  // (b)/(c), as opposed to the (a) summary
    bool waited_a_poll = false;
  };

  std::vector<Half> pending_;  // small: linear search is fine
  std::vector<procfs::OomLine> ready_;
  std::uint64_t non_kernel_oom_lines_ = 0;
};

// Reads new OOM kills from /dev/kmsg (the path is a parameter so tests and containers can point
// it elsewhere). Never blocks, never throws; read problems are counted, not logged.
class KmsgReader {
 public:
  // A poll stops after this many records and resumes at the next one on the next poll, so a
  // flood of kernel messages cannot stall the scan.
  static constexpr std::size_t kMaxRecordsPerPoll = 10000;

  explicit KmsgReader(std::string path);

  // open(O_RDONLY | O_NONBLOCK | O_CLOEXEC), then lseek(SEEK_END): only records logged after
  // open() are seen, so a daemon restart does not report old kills again.
  Status open();

  // Reads every record available now and returns one merged OomLine per kill (see OomMerger).
  // `errors` is incremented once per EPIPE (records lost), per unreadable record and per other
  // read error. Returns nothing when not open.
  std::vector<procfs::OomLine> poll(std::uint64_t& errors);

  bool is_open() const { return fd_.valid(); }
  // OOM line halves waiting for their partner (bounded by OomMerger::kMaxPending).
  std::size_t pending() const { return merger_.pending(); }
  std::uint64_t non_kernel_oom_lines() const { return merger_.non_kernel_oom_lines(); }

 private:
  std::string path_;
  UniqueFd fd_;
  std::string buf_;
  OomMerger merger_;
};

}  // namespace lw::scan
