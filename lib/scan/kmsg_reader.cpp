#include "scan/kmsg_reader.h"

#include <algorithm>
#include <cerrno>
#include <optional>
#include <utility>

#include <fcntl.h>
#include <unistd.h>

namespace lw::scan {

namespace {

// (a) carries the cgroups and the constraint, (b)/(c) the sizes; pid, comm and uid are in both.
procfs::OomLine merge(procfs::OomLine summary, procfs::OomLine kill) {
  procfs::OomLine out = std::move(kill);
  out.task_memcg = std::move(summary.task_memcg);
  out.oom_memcg = std::move(summary.oom_memcg);
  out.constraint = std::move(summary.constraint);
  if (!out.comm) {
    out.comm = std::move(summary.comm);
  }
  if (!out.uid) {
    out.uid = summary.uid;
  }
  out.memcg_oom = out.memcg_oom || summary.memcg_oom;
  return out;
}

// The record buffer must hold the longest record the kernel formats (CONSOLE_EXT_LOG_MAX is
// 8 KiB), otherwise read() fails with EINVAL.
constexpr std::size_t kRecordBuffer = std::size_t{16} * 1024;

}  // namespace

void OomMerger::add(procfs::OomLine line) {
  const bool is_kill_line = line.total_vm_bytes.has_value();
  const auto same_pid = [&](const Half& h) { return h.line.pid == line.pid; };
  const auto it = std::find_if(pending_.begin(), pending_.end(), same_pid);
  if (it != pending_.end()) {
    if (it->is_kill_line != is_kill_line) {
      ready_.push_back(is_kill_line ? merge(std::move(it->line), std::move(line))
                                    : merge(std::move(line), std::move(it->line)));
      pending_.erase(it);
      return;
    }
    // A second line of the same kind for the same pid: a new kill (pid reuse, or a partner that
    // never came). The older half is finished as it is.
    ready_.push_back(std::move(it->line));
    pending_.erase(it);
  }
  pending_.push_back(Half{.line = std::move(line), .is_kill_line = is_kill_line});
  if (pending_.size() > kMaxPending) {
    ready_.push_back(std::move(pending_.front().line));
    pending_.erase(pending_.begin());
  }
}

bool OomMerger::add_record(std::string_view record) {
  const auto parsed = procfs::parse_kmsg_record(record);
  if (!parsed) {
    return false;
  }
  auto line = procfs::parse_oom_line(parsed->message);
  if (!line) {
    return true;
  }
  if (!parsed->from_kernel()) {
    ++non_kernel_oom_lines_;  // anybody may write "Killed process ..." into /dev/kmsg
    return true;
  }
  add(std::move(*line));
  return true;
}

std::vector<procfs::OomLine> OomMerger::end_poll() {
  std::vector<procfs::OomLine> out = std::move(ready_);
  ready_.clear();
  std::vector<Half> still_waiting;
  for (Half& half : pending_) {
    if (half.waited_a_poll) {
      out.push_back(std::move(half.line));
    } else {
      half.waited_a_poll = true;
      still_waiting.push_back(std::move(half));
    }
  }
  pending_ = std::move(still_waiting);
  return out;
}

KmsgReader::KmsgReader(std::string path) : path_(std::move(path)) {}

Status KmsgReader::open() {
  auto fd = open_at(AT_FDCWD, path_.c_str(), O_RDONLY | O_NONBLOCK);
  if (!fd) {
    return fd.error();
  }
  if (::lseek(fd->get(), 0, SEEK_END) < 0) {
    return error_from_errno(errno, path_ + ": lseek");
  }
  fd_ = std::move(*fd);
  return Ok{};
}

std::vector<procfs::OomLine> KmsgReader::poll(std::uint64_t& errors) {
  if (!fd_.valid()) {
    return {};
  }
  buf_.resize(kRecordBuffer);
  for (std::size_t records = 0; records < kMaxRecordsPerPoll;) {
    const ssize_t n = ::read(fd_.get(), buf_.data(), buf_.size());
    if (n > 0) {
      ++records;
      if (!merger_.add_record(std::string_view(buf_.data(), static_cast<std::size_t>(n)))) {
        ++errors;
      }
      continue;
    }
    if (n == 0) {
      break;  // end of a regular file; /dev/kmsg itself says EAGAIN
    }
    const int err = errno;
    if (err == EINTR) {
      continue;
    }
    if (err == EAGAIN) {
      break;
    }
    ++errors;
    if (err != EPIPE) {
      break;  // EPIPE: some records were overwritten; reading resumes at the oldest one left
    }
  }
  return merger_.end_poll();
}

}  // namespace lw::scan
