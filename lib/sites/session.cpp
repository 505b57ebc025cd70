#include "sites/session.h"

#include <array>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include <sys/stat.h>

#include "sites/module_map.h"
#include "sites/target_identity.h"

namespace lw::sites {

const char* outcome_name(Outcome o) {
  switch (o) {
    case Outcome::kCompleted:
      return "completed";
    case Outcome::kProbeDetached:
      return "probe_detached";
    case Outcome::kBudgetDetached:
      return "budget_detached";
    case Outcome::kTargetExited:
      return "target_exited";
    case Outcome::kTargetExec:
      return "target_exec";
  }
  return "?";
}

namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;  // CLOCK_MONOTONIC, as bpf_ktime_get_ns

std::uint64_t mono_ns() {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch())
          .count());
}

double cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

std::string percent(double v) {
  std::array<char, 32> buf{};
  (void)std::snprintf(buf.data(), buf.size(), "%.2f%%", v);
  return buf.data();
}

double seconds(Clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

struct Held {
  SampleRecord record;
  std::vector<Frame> frames;
  bool unwound = false;
  bool failed = false;
};

class Session {
 public:
  Session(pid_t pid, SessionOptions opts, const UnwindFn& unwind)
      : pid_(pid), opts_(std::move(opts)), unwind_(unwind) {
    opts_.capture.pid = pid;
    report_.pid = pid;
  }

  Status start();
  Status run();
  SessionReport finish();

 private:
  void poll_for(Clock::duration d);
  double overhead_fraction(std::uint64_t traps, double secs) const;
  bool check_target();
  void tick();
  bool budget_left() const;
  void unwind_held(Held& h);
  void detach(Outcome o, std::string message);

  pid_t pid_;
  SessionOptions opts_;
  const UnwindFn& unwind_;
  SessionReport report_;
  std::unique_ptr<Capture> capture_;
  AllocatorTarget target_;
  TargetIdentity identity_;
  std::uint64_t module_start_ = 0;
  Clock::time_point attached_at_;
  Clock::time_point ended_at_;
  double cpu_at_start_ = 0;
  bool ended_ = false;
  CaptureCounters at_end_;
  std::unordered_map<std::uint64_t, Held> held_;  // by record id
  std::vector<LiveEntry> last_live_;
  std::function<void(SampleRecord&&)> sink_;
};

Status Session::start() {
  cpu_at_start_ = cpu_seconds();
  if (const auto missing = missing_privileges(); !missing.empty()) {
    return Error{ErrorKind::kDenied, "missing " + missing +
                                         " (attribution loads a BPF program and attaches uprobes:"
                                         " run as root or grant CAP_BPF and CAP_PERFMON)"};
  }
  const auto id = target_identity(opts_.target.proc_root, pid_);
  if (!id) {
    const auto dir = opts_.target.proc_root + "/" + std::to_string(pid_);
    struct stat st {};
    if (::stat(dir.c_str(), &st) == 0) {
      return Error{ErrorKind::kDenied,
                   "cannot read " + dir + "/exe: another user's process needs CAP_SYS_PTRACE"};
    }
    return Error{ErrorKind::kGone, "process " + std::to_string(pid_) + " does not exist"};
  }
  identity_ = *id;
  auto maps = read_maps(pid_, opts_.target.proc_root);
  if (!maps) {
    return maps.error();
  }
  auto target = find_allocator(pid_, maps->mappings, opts_.target);
  if (!target) {
    return target.error();
  }
  target_ = std::move(*target);
  for (const auto& m : group_modules(maps->mappings)) {
    if (m.path == target_.module) {
      module_start_ = m.low;
      break;
    }
  }
  report_.allocator = target_.module;
  report_.notes = target_.notes;
  auto cap = Capture::open(opts_.capture, target_);
  if (!cap) {
    return cap.error();
  }
  capture_ = std::move(*cap);
  attached_at_ = Clock::now();
  if (opts_.on_attached) {
    opts_.on_attached(target_.module, capture_->probe_count());
  }
  sink_ = [this](SampleRecord&& r) {
    ++report_.samples;
    if (held_.size() >= opts_.max_records) {
      ++report_.table_full;
      return;
    }
    const auto rid = r.record_id;
    held_[rid] = Held{std::move(r), {}, false, false};
  };
  return Ok{};
}

void Session::poll_for(Clock::duration d) {
  const auto until = Clock::now() + d;
  for (auto now = Clock::now(); now < until; now = Clock::now()) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - now);
    (void)capture_->poll(std::min<std::chrono::milliseconds>(std::max(left, 1ms), 100ms), sink_);
  }
}

double Session::overhead_fraction(std::uint64_t traps, double secs) const {
  if (secs <= 0) {
    return 0;
  }
  return static_cast<double>(traps) / secs * std::chrono::duration<double>(opts_.trap_cost).count();
}

void Session::detach(Outcome o, std::string message) {
  ended_at_ = Clock::now();
  report_.detach_decided_seconds = seconds(ended_at_ - attached_at_);
  at_end_ = capture_->counters();  // the rates cover the attached time up to the decision
  capture_->detach();              // uprobe removal waits for RCU: tens of ms per probe
  ended_ = true;
  report_.outcome = o;
  report_.message = std::move(message);
  report_.detach_seconds = seconds(Clock::now() - attached_at_);
}

bool Session::check_target() {
  const auto id = target_identity(opts_.target.proc_root, pid_);
  if (!id || id->starttime != identity_.starttime) {
    detach(Outcome::kTargetExited, "the target exited: its memory was released, nothing retained");
    return false;
  }
  auto maps = read_maps(pid_, opts_.target.proc_root);
  bool same_image = id->dev == identity_.dev && id->ino == identity_.ino && maps.has_value();
  if (maps) {
    bool found = false;
    for (const auto& m : maps->mappings) {
      found = found || (m.path == target_.module && m.start == module_start_);
    }
    same_image = same_image && found;
  } else if (maps.error().kind == ErrorKind::kGone) {
    detach(Outcome::kTargetExited, "the target exited: its memory was released, nothing retained");
    return false;
  }
  if (!same_image) {
    detach(Outcome::kTargetExec,
           "the target exec'd a new image: the old image's allocations were released; run "
           "--attribute again to trace the new one");
    return false;
  }
  return true;
}

bool Session::budget_left() const {
  // A fixed allowance for loading and attaching, then the budget's share of the elapsed time.
  const double elapsed = seconds(Clock::now() - attached_at_);
  const double allowed = 0.2 + opts_.daemon_budget_percent / 100.0 * elapsed;
  return cpu_seconds() - cpu_at_start_ < allowed;
}

void Session::unwind_held(Held& h) {
  auto frames = unwind_(h.record.sample);
  h.unwound = true;
  if (frames) {
    h.frames = std::move(*frames);
    ++report_.unwound;
  } else {
    h.failed = true;
    ++report_.unwind_failed;
  }
  h.record.sample.stack.clear();
  h.record.sample.stack.shrink_to_fit();
}

// Reads the live map; forgets records whose allocation is gone (churn: never unwound); unwinds
// the ones that survived the minimum age while the CPU budget allows.
void Session::tick() {
  auto live = capture_->live();
  if (!live) {
    return;
  }
  last_live_ = std::move(*live);
  std::unordered_set<std::uint64_t> live_ids;
  for (const auto& e : last_live_) {
    live_ids.insert(e.record_id);
  }
  const auto now = mono_ns();
  const auto grace = static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(opts_.tick).count());
  const auto min_age = static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(opts_.min_age).count());
  for (auto it = held_.begin(); it != held_.end();) {
    const auto age = now > it->second.record.time_ns ? now - it->second.record.time_ns : 0;
    if (!live_ids.contains(it->first) && age > grace) {
      it = held_.erase(it);  // freed (or the call failed) before we unwound it
      continue;
    }
    if (live_ids.contains(it->first) && !it->second.unwound && age >= min_age && budget_left()) {
      unwind_held(it->second);
    }
    ++it;
  }
}

Status Session::run() {
  const auto probe_end = attached_at_ + opts_.probe_phase;
  const auto end = attached_at_ + opts_.duration;
  const double budget = opts_.target_budget_percent / 100.0;
  // Probe phase: only malloc's and free's entries are attached, counting. Every 100 ms the call
  // rate so far, projected to the full set (CaptureCounters::traps: malloc's entry and return,
  // free's entry); over budget -> detach at once, which removes those two uprobes only.
  while (!ended_ && Clock::now() < std::min(probe_end, end)) {
    poll_for(100ms);
    const double secs = seconds(Clock::now() - attached_at_);
    const double f = overhead_fraction(capture_->counters().traps(), secs);
    // Attaching stalls the target briefly and a paced program then catches up in a burst: a
    // rate just over budget is trusted after 300 ms, one ten times over it at once.
    if ((f > budget && secs >= 0.3) || f > 10 * budget) {
      detach(Outcome::kProbeDetached,
             "probe phase: the allocator call rate would cost the target " + percent(f * 100) +
                 " of a CPU, over attribution.target_budget_percent (" +
                 percent(opts_.target_budget_percent) + ")");
    }
  }
  if (!ended_ && Clock::now() < end) {
    if (!check_target()) {
      return Ok{};  // exited or exec'd in the probe phase: an outcome, not an error
    }
    if (auto st = capture_->attach_rest(); !st) {
      if (!check_target()) {
        return Ok{};  // it exited or exec'd while the probes were being attached
      }
      capture_->detach();
      return st;
    }
  }
  auto window_start = Clock::now();
  auto window_traps = capture_->counters().traps();
  auto next_tick = Clock::now();
  while (!ended_ && Clock::now() < end) {
    poll_for(std::min<Clock::duration>(100ms, end - Clock::now()));
    if (Clock::now() < next_tick) {
      continue;
    }
    next_tick = Clock::now() + opts_.tick;
    if (!check_target()) {
      break;
    }
    const auto traps = capture_->counters().traps();
    const double f = overhead_fraction(traps - window_traps, seconds(Clock::now() - window_start));
    window_start = Clock::now();
    window_traps = traps;
    if (f > budget) {
      tick();  // the live allocations at detach: frees are not seen after it
      detach(Outcome::kBudgetDetached,
             "the allocator call rate rose: " + percent(f * 100) +
                 " of a CPU, over attribution.target_budget_percent; detached, result so far");
      break;
    }
    tick();
  }
  return Ok{};
}

SessionReport Session::finish() {
  if (!ended_) {
    if (check_target()) {
      tick();
      ended_at_ = Clock::now();
      at_end_ = capture_->counters();
      capture_->detach();
      ended_ = true;
    }
  }
  const double attached = seconds(ended_at_ - attached_at_);
  report_.duration_seconds = attached;
  report_.counters = at_end_;
  report_.decode_errors = capture_->decode_errors();
  std::uint64_t calls = 0;
  for (const auto c : report_.counters.calls) {
    calls += c;
  }
  report_.calls_per_second = attached > 0 ? static_cast<double>(calls) / attached : 0;
  report_.projected_overhead_percent = 100 * overhead_fraction(report_.counters.traps(), attached);
  std::vector<RetainedSample> retained;
  if (report_.outcome != Outcome::kTargetExited && report_.outcome != Outcome::kTargetExec) {
    const auto end_ns = mono_ns();
    const auto min_age = static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(opts_.min_age).count());
    for (const auto& e : last_live_) {
      if (end_ns < e.time_ns || end_ns - e.time_ns < min_age) {
        continue;
      }
      RetainedSample r{{}, e.weight};
      if (auto it = held_.find(e.record_id); it != held_.end()) {
        if (!it->second.unwound && budget_left()) {
          unwind_held(it->second);
        }
        if (!it->second.unwound) {
          ++report_.unwind_deferred;
        }
        r.frames = it->second.frames;
      }
      retained.push_back(std::move(r));
    }
  }
  report_.ranking = rank_sites(retained, ended_at_ - attached_at_, opts_.min_samples, opts_.top);
  report_.daemon_cpu_seconds = cpu_seconds() - cpu_at_start_;
  return report_;
}

}  // namespace

Result<SessionReport> run_session(pid_t pid, const SessionOptions& opts, const UnwindFn& unwind) {
  Session s(pid, opts, unwind);
  if (auto st = s.start(); !st) {
    return st.error();
  }
  if (auto st = s.run(); !st) {
    return st.error();
  }
  return s.finish();
}

}  // namespace lw::sites
