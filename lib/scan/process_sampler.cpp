#include "scan/process_sampler.h"

#include <cerrno>
#include <string_view>

#include <dirent.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "base/text.h"
#include "procfs/meminfo.h"
#include "procfs/pid_limits.h"
#include "procfs/pid_stat.h"
#include "procfs/pid_status.h"
#include "procfs/pressure.h"
#include "procfs/smaps_rollup.h"
#include "procfs/vmstat.h"

namespace lw::scan {

namespace {

bool is_all_digits(const char* s) {
  if (*s == '\0') {
    return false;
  }
  for (; *s != '\0'; ++s) {
    if (*s < '0' || *s > '9') {
      return false;
    }
  }
  return true;
}

// Lists the numeric entries of a directory fd (the fd stays open; a dup is iterated).
Status list_numeric(int dir_fd, std::vector<int>& out) {
  out.clear();
  const int dup_fd =
      ::fcntl(dir_fd, F_DUPFD_CLOEXEC, 0);  // NOLINT(cppcoreguidelines-pro-type-vararg)
  if (dup_fd < 0) {
    return error_from_errno(errno, "dup procfs root");
  }
  DIR* dir = ::fdopendir(dup_fd);
  if (dir == nullptr) {
    const int err = errno;
    ::close(dup_fd);
    return error_from_errno(err, "opendir procfs root");
  }
  ::rewinddir(dir);
  while (const dirent* entry =
             ::readdir(dir)) {  // NOLINT(concurrency-mt-unsafe): one thread per DIR
    if (is_all_digits(entry->d_name)) {
      const auto pid = text::parse_int<int>(entry->d_name);
      if (pid) {
        out.push_back(*pid);
      }
    }
  }
  ::closedir(dir);
  return Ok{};
}

// Entries of dir/name except "." and ".."; nullopt when it cannot be opened.
std::optional<std::uint64_t> count_entries(int dir, const char* name) {
  auto fd_dir = open_at(dir, name, O_RDONLY | O_DIRECTORY);
  if (!fd_dir) {
    return std::nullopt;
  }
  DIR* d = ::fdopendir(fd_dir->get());
  if (d == nullptr) {
    return std::nullopt;
  }
  fd_dir->release();  // owned by d now
  std::uint64_t n = 0;
  while (const dirent* entry = ::readdir(d)) {  // NOLINT(concurrency-mt-unsafe)
    if (entry->d_name[0] != '.') {
      ++n;
    }
  }
  ::closedir(d);
  return n;
}

}  // namespace

void count_error(model::ScanStats& stats, const Error& error) {
  switch (error.kind) {
    case ErrorKind::kGone:
      ++stats.gone;
      break;
    case ErrorKind::kDenied:
      ++stats.denied;
      break;
    case ErrorKind::kMalformed:
      ++stats.parse_errors;
      break;
    case ErrorKind::kIo:
      ++stats.io_errors;
      break;
  }
}

ProcessSampler::ProcessSampler(ProcessSamplerOptions options) : options_(std::move(options)) {}

Status ProcessSampler::open() {
  auto root = open_at(AT_FDCWD, options_.proc_root.c_str(), O_RDONLY | O_DIRECTORY);
  if (!root) {
    return Error{root.error().kind,
                 "procfs root " + options_.proc_root + ": " + root.error().detail};
  }
  root_ = std::move(*root);
  if (auto boot = read_boot_time(); !boot) {
    return boot;
  }
  // st_size of /proc/<pid>/fd is the number of open fds since Linux 6.2 (0 before), but only on
  // procfs: in a copied tree (a fixture under --proc-root) it is the directory's size on disk,
  // 4096 on ext4. We always have stdin..stderr or at least this directory fd open, so a 0 on
  // procfs means "not supported".
  struct statfs fs {};
  const bool on_procfs = ::fstatfs(root_.get(), &fs) == 0 && fs.f_type == PROC_SUPER_MAGIC;
  struct stat st {};
  if (on_procfs && ::fstatat(root_.get(), "self/fd", &st, 0) == 0 && st.st_size > 0) {
    fd_method_ = FdCountMethod::kStatSize;
  } else {
    fd_method_ = FdCountMethod::kReaddir;
  }
  return Ok{};
}

std::optional<std::uint64_t> ProcessSampler::count_fds(int dir) {
  if (fd_method_ == FdCountMethod::kStatSize) {
    struct stat st {};
    if (::fstatat(dir, "fd", &st, 0) != 0 || st.st_size < 0) {
      return std::nullopt;
    }
    if (st.st_size > 0) {
      return static_cast<std::uint64_t>(st.st_size);
    }
    // 0 is also what a kernel without the feature says: count, it costs nothing with no fds.
  }
  return count_entries(dir, "fd");
}

std::optional<UniqueFd> ProcessSampler::live_thread(int pid, int dir, int& tid) {
  auto task = open_at(dir, "task", O_RDONLY | O_DIRECTORY);
  if (!task || !list_numeric(task->get(), tids_)) {
    return std::nullopt;
  }
  for (const int t : tids_) {
    if (t == pid) {
      continue;
    }
    auto thread = open_at(task->get(), std::to_string(t).c_str(), O_RDONLY | O_DIRECTORY);
    if (!thread) {
      continue;
    }
    const auto stat = read_parsed(thread->get(), "stat", buf_, procfs::parse_pid_stat);
    if (stat && stat->state != 'Z' && stat->state != 'X') {
      tid = t;
      return std::move(*thread);
    }
  }
  return std::nullopt;
}

bool ProcessSampler::limits_due(model::SteadyTime now, std::optional<std::uint64_t> open_fds,
                                const Cached& cached) const {
  if (!cached.limits_read) {
    return true;
  }
  const auto elapsed = now - cached.limits_read_at;
  if (open_fds != cached.fds_at_limits_read) {
    return elapsed >= options_.limits_interval;
  }
  return elapsed >= kIdleLimitsIntervals * options_.limits_interval;
}

bool ProcessSampler::sample_one(int pid, model::SteadyTime now, model::ProcessSample& out,
                                model::ScanStats& stats) {
  const std::string name = std::to_string(pid);
  auto dir = open_at(root_.get(), name.c_str(), O_RDONLY | O_DIRECTORY);
  if (!dir) {
    count_error(stats, dir.error());
    return false;
  }
  const auto stat = read_record_parsed(dir->get(), "stat", buf_, procfs::parse_pid_stat);
  if (!stat) {
    count_error(stats, stat.error());
    return false;
  }
  // A leader that called pthread_exit() while other threads run shows 'Z' and no Vm* lines, and
  // its fd/ is empty; the live process is read through one of its live threads (task/<tid>/: the
  // same mm and files). stat (start time, CPU of the whole group) stays the leader's.
  std::optional<UniqueFd> thread;
  int tid = 0;
  if (stat->state == 'Z' && stat->num_threads > 1) {
    thread = live_thread(pid, dir->get(), tid);
  }
  if ((stat->state == 'Z' || stat->state == 'X') && !thread) {
    ++stats.zombies;
    return false;
  }
  if (stat->is_kernel_thread()) {
    ++stats.kernel_threads;
    return false;
  }
  const int data = thread ? thread->get() : dir->get();
  auto [it, inserted] = cache_.try_emplace(model::ProcessId{stat->pid, stat->start_time_ticks});
  Cached& cached = it->second;
  const auto refreshed = refresh_status(
      data, pid, {.scan = scan_seq_, .page_size = options_.page_size, .swap_off = swap_off_}, buf_,
      cached.status_memo);
  if (!refreshed) {
    count_error(stats, refreshed.error());
    return false;
  }
  const procfs::PidStatus& status = cached.status_memo.status;
  if (!status.vm_rss_bytes) {
    // No mm: a kernel thread on kernels without PF_KTHREAD in stat, or a process mid-exit.
    ++stats.kernel_threads;
    return false;
  }
  out = model::ProcessSample{};
  out.id = model::ProcessId{stat->pid, stat->start_time_ticks};
  out.ppid = stat->ppid;
  out.state = stat->state;
  out.comm = stat->comm;
  out.uid = status.real_uid;
  out.cpu_ticks = stat->utime_ticks + stat->stime_ticks;
  out.start_time_seconds =
      static_cast<double>(boot_time_) + static_cast<double>(stat->start_time_ticks) /
                                            static_cast<double>(options_.clock_ticks_per_second);
  out.rss_bytes = status.vm_rss_bytes;
  out.anon_bytes = status.rss_anon_bytes;
  out.file_bytes = status.rss_file_bytes;
  out.shmem_bytes = status.rss_shmem_bytes;
  out.swap_bytes = status.vm_swap_bytes;
  out.vsize_bytes =
      status.vm_size_bytes ? status.vm_size_bytes : std::optional<std::uint64_t>(stat->vsize_bytes);
  out.open_fds = count_fds(data);

  cached.seen_scan = scan_seq_;
  cached.live_tid = tid;
  if (identity_due(pid, inserted, stat->comm, cached)) {
    read_identity(data, stat->comm, inserted, cached);
  }
  if (limits_due(now, out.open_fds, cached)) {
    const auto limits = read_parsed(data, "limits", buf_, procfs::parse_nofile_limit);
    cached.limits_read = true;
    cached.limits_read_at = now;
    cached.fds_at_limits_read = out.open_fds;
    cached.max_fds = limits ? limits->soft : std::nullopt;
  }
  out.max_fds = cached.max_fds;
  out.cgroup = cached.cgroup;
  out.unit = cached.unit;
  out.identity_version = cached.identity_version;
  return true;
}

void ProcessSampler::sample(model::SteadyTime now, std::vector<model::ProcessSample>& out,
                            model::ScanStats& stats) {
  ++scan_seq_;
  out.clear();
  refresh_boot_time(stats);
  const auto listed = list_numeric(root_.get(), pids_);
  if (!listed) {
    ++stats.io_errors;
    return;
  }
  stats.pids_listed += pids_.size();
  out.reserve(pids_.size());
  model::ProcessSample sample;
  for (const int pid : pids_) {
    if (sample_one(pid, now, sample, stats)) {
      out.push_back(std::move(sample));
      ++stats.pids_sampled;
    }
  }
  // Forget processes not seen this scan (exited): the cache is bounded by the live set.
  std::erase_if(cache_, [&](const auto& kv) { return kv.second.seen_scan != scan_seq_; });
}

void ProcessSampler::read_smaps(model::SteadyTime now, const SmapsPolicy& policy,
                                std::span<const model::SmapsRequest> requests,
                                std::vector<model::ProcessSample>& processes,
                                model::ScanStats& stats) {
  if (!policy.enabled) {
    return;
  }
  using Clock = std::chrono::steady_clock;
  const auto started = Clock::now();
  for (const model::SmapsRequest& req : requests) {
    if (req.index >= processes.size()) {
      continue;
    }
    model::ProcessSample& p = processes[req.index];
    auto it = cache_.find(p.id);
    if (it == cache_.end()) {
      continue;
    }
    Cached& cached = it->second;
    if (cached.smaps_read && now - cached.smaps_read_at < policy.min_interval) {
      ++stats.smaps_skipped_interval;
      continue;
    }
    if (!req.forced && p.rss_bytes.value_or(0) > policy.max_rss_bytes) {
      ++stats.smaps_skipped_max_rss;
      continue;
    }
    if (Clock::now() - started >= policy.budget) {
      ++stats.smaps_skipped_budget;
      continue;
    }
    const auto t0 = Clock::now();
    const std::string name = std::to_string(p.id.pid);
    auto dir = open_at(root_.get(), name.c_str(), O_RDONLY | O_DIRECTORY);
    if (!dir) {
      ++stats.smaps_errors;
      continue;
    }
    // A thread group whose leader exited: its smaps_rollup is read through the live thread.
    std::optional<UniqueFd> thread;
    if (cached.live_tid != 0) {
      auto t = open_at(dir->get(), ("task/" + std::to_string(cached.live_tid)).c_str(),
                       O_RDONLY | O_DIRECTORY);
      if (t) {
        thread = std::move(*t);
      }
    }
    auto rollup = read_parsed(thread ? thread->get() : dir->get(), "smaps_rollup", buf_,
                              procfs::parse_smaps_rollup);
    // The pid may have been reused since the cheap pass: only keep the reading when the same
    // process instance (same starttime) is still behind this directory.
    const auto stat = read_parsed(dir->get(), "stat", buf_, procfs::parse_pid_stat);
    const double spent = std::chrono::duration<double>(Clock::now() - t0).count();
    ++stats.smaps_reads;
    stats.smaps_read_seconds += spent;
    cached.smaps_read = true;
    cached.smaps_read_at = now;
    if (!rollup) {
      if (rollup.error().kind == ErrorKind::kDenied) {
        ++stats.smaps_skipped_denied;
      } else {
        ++stats.smaps_errors;
      }
      continue;
    }
    if (!stat || stat->start_time_ticks != p.id.start_ticks) {
      ++stats.smaps_errors;
      continue;
    }
    p.smaps = *rollup;
  }
}

model::SystemSample ProcessSampler::sample_system(model::ScanStats& stats) {
  model::SystemSample s;
  auto meminfo = read_parsed(root_.get(), "meminfo", buf_, procfs::parse_meminfo);
  swap_off_ = meminfo && meminfo->swap_total_bytes == std::uint64_t{0};
  if (meminfo) {
    s.meminfo = *meminfo;
  } else {
    ++stats.system_errors;
  }
  auto vmstat = read_parsed(root_.get(), "vmstat", buf_, procfs::parse_vmstat);
  if (vmstat) {
    s.vmstat = *vmstat;
  } else {
    ++stats.system_errors;
  }
  // /proc/pressure needs CONFIG_PSI (4.20+) and may be disabled (psi=0): absent, not an error.
  auto pressure = read_parsed(root_.get(), "pressure/memory", buf_, procfs::parse_pressure);
  if (pressure) {
    s.pressure = *pressure;
  } else if (pressure.error().kind == ErrorKind::kMalformed) {
    ++stats.system_errors;
  }
  return s;
}

const ProcessSampler::Identity* ProcessSampler::identity(const model::ProcessId& id) const {
  const auto it = cache_.find(id);
  return it == cache_.end() ? nullptr : &it->second.identity;
}

}  // namespace lw::scan
