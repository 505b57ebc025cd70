#include "daemon/attribute.h"

#include <cmath>
#include <cstdlib>
#include <iomanip>
#include <ostream>
#include <sstream>

#include "format/bytes.h"
#include "http/json.h"
#include "sites/session.h"
#include "sites/unwinder.h"

namespace lw::daemon {

namespace {

sites::SessionOptions session_options(const config::Config& cfg, const AttributeOptions& o) {
  const auto& a = cfg.attribution;
  sites::SessionOptions s;
  s.capture.sample_interval = a.sample_interval;
  s.capture.stack_bytes = static_cast<std::uint32_t>(a.stack_bytes);
  s.capture.max_live = a.max_live_samples;
  s.capture.ring_bytes = static_cast<std::uint32_t>(a.ring_buffer);
  s.target.proc_root = cfg.paths.procfs;
  s.target.allocator_libraries = a.allocator_libraries;
  s.target.symbol_prefix = a.symbol_prefix;
  s.duration = o.duration;
  s.probe_phase = a.probe_phase;
  s.min_age = a.min_age;
  s.target_budget_percent = a.target_budget_percent;
  s.trap_cost = std::chrono::nanoseconds(static_cast<std::int64_t>(a.trap_cost_us * 1000));
  s.daemon_budget_percent = a.daemon_budget_percent;
  s.max_records = a.max_stack_records;
  s.min_samples = a.min_samples;
  return s;
}

std::string percent(double share) {
  std::ostringstream ss;
  ss << std::fixed << std::setprecision(1) << share * 100 << "%";
  return ss.str();
}

void render_text(const sites::SessionReport& r, std::ostream& out) {
  out << "pid " << r.pid << ": " << std::fixed << std::setprecision(1) << r.duration_seconds
      << "s attached to " << r.allocator << ", " << r.samples << " samples, "
      << std::setprecision(0) << r.calls_per_second << " allocator calls/s (~"
      << std::setprecision(2) << r.projected_overhead_percent << "% of a CPU)\n";
  if (!r.message.empty()) {
    out << "note: " << r.message << "\n";
  }
  if (r.detach_seconds > 0) {
    out << "detached: decided " << std::setprecision(2) << r.detach_decided_seconds
        << "s after attach, every probe removed after " << r.detach_seconds << "s\n";
  }
  const auto& k = r.ranking;
  out << "retained: " << format::bytes(static_cast<double>(k.total_bytes)) << " in " << k.samples
      << " sampled allocations older than the minimum age\n";
  if (k.samples == 0) {
    out << "no retained allocations: nothing allocated during the session is still held\n";
    return;
  }
  if (!k.enough) {
    out << "not enough samples to rank (" << k.samples
        << "; attribution.min_samples): run longer or lower attribution.sample_interval\n";
    return;
  }
  for (std::size_t i = 0; i < k.sites.size(); ++i) {
    const auto& s = k.sites[i];
    out << "\n#" << i + 1 << "  " << format::bytes(static_cast<double>(s.bytes)) << "  "
        << percent(s.share) << "  " << s.samples << " samples  "
        << format::byte_rate_per_hour(s.bytes_per_second) << "\n";
    // The allocator's frame, then its callers; a person needs the first dozen (JSON has all).
    constexpr std::size_t kShown = 12;
    for (std::size_t f = 0; f < s.frames.size() && f < kShown; ++f) {
      out << std::string(4 + 2 * std::min<std::size_t>(f, 8), ' ')
          << sites::frame_label(s.frames[f]) << "\n";
    }
    if (s.frames.size() > kShown) {
      out << std::string(4 + 2 * 8, ' ') << "... " << s.frames.size() - kShown << " more frames\n";
    }
  }
  if (k.unwound_bytes < k.total_bytes) {
    out << "\nnot unwound: " << format::bytes(static_cast<double>(k.total_bytes - k.unwound_bytes))
        << " (stack records lost or over the CPU budget)\n";
  }
}

void render_json(const sites::SessionReport& r, std::size_t cache_bytes, std::ostream& out) {
  http::JsonWriter w;
  w.begin_object()
      .field("pid", r.pid)
      .field("duration_seconds", r.duration_seconds)
      .field("samples", r.ranking.samples)
      .field("sampled_allocations", r.samples)
      .field("outcome", sites::outcome_name(r.outcome))
      .field("message", r.message)
      .field("allocator", r.allocator)
      .field("retained_bytes", r.ranking.total_bytes)
      .field("enough_samples", r.ranking.enough)
      .field("calls_per_second", r.calls_per_second)
      .field("projected_overhead_percent", r.projected_overhead_percent)
      .field("daemon_cpu_seconds", r.daemon_cpu_seconds)
      .field("detach_decided_seconds", r.detach_decided_seconds)
      .field("detach_seconds", r.detach_seconds)
      .field("lost_samples", r.counters.lost_ringbuf + r.table_full + r.decode_errors)
      .field("live_map_full", r.counters.live_full)
      .field("unwound", r.unwound)
      .field("symbol_cache_bytes", cache_bytes);
  w.key("sites").begin_array();
  for (const auto& s : r.ranking.enough ? r.ranking.sites : std::vector<sites::Site>{}) {
    w.begin_object()
        .field("bytes", s.bytes)
        .field("share", s.share)
        .field("samples", s.samples)
        .field("bytes_per_second", s.bytes_per_second);
    w.key("frames").begin_array();
    for (const auto& f : s.frames) {
      w.begin_object()
          .field("function", f.function)
          .field("file", f.file)
          .field("line", f.line)
          .field("module", f.module)
          .field("build_id", f.build_id)
          .field("offset", f.offset)
          .field("inlined", f.inlined)
          .end_object();
    }
    w.end_array().end_object();
  }
  w.end_array().end_object();
  out << w.str() << "\n";
}

int exit_code(const Error& e) {
  switch (e.kind) {
    case ErrorKind::kMalformed:
      return kExitRefused;
    case ErrorKind::kDenied:
      return kExitDenied;
    default:
      return EXIT_FAILURE;
  }
}

}  // namespace

int run_attribute(const config::Config& cfg, const AttributeOptions& opts, std::ostream& out,
                  std::ostream& err) {
  // libdw fetches missing debug info over the network when DEBUGINFOD_URLS is set: a root tool
  // reading a target's stacks must not make network requests it was not asked for. Local debug
  // files (/usr/lib/debug/.build-id) are still used.
  ::unsetenv("DEBUGINFOD_URLS");  // NOLINT(concurrency-mt-unsafe): before any thread starts
  sites::UnwindOptions uo;
  uo.proc_root = cfg.paths.procfs;
  sites::Unwinder unwinder(opts.pid, uo);
  const sites::UnwindFn unwind = [&unwinder](const sites::StackSample& s) {
    return unwinder.unwind(s);
  };
  auto so = session_options(cfg, opts);
  so.on_attached = [&](const std::string& allocator, std::size_t probes) {
    err << "leakwatchd: attached " << probes << " probes to " << opts.pid << "'s allocator ("
        << allocator << "); tracing for " << config::format_duration(opts.duration) << std::endl;
  };
  const auto report = sites::run_session(opts.pid, so, unwind);
  if (!report) {
    const char* what = report.error().kind == ErrorKind::kMalformed ? "refused" : "cannot attach";
    err << "leakwatchd: --attribute " << opts.pid << ": " << what << ": " << report.error().detail
        << "\n";
    return exit_code(report.error());
  }
  if (opts.format == "json") {
    render_json(*report, unwinder.cache_bytes(), out);
  } else {
    render_text(*report, out);
  }
  switch (report->outcome) {
    case sites::Outcome::kTargetExited:
    case sites::Outcome::kTargetExec:
      err << "leakwatchd: --attribute " << opts.pid << ": " << report->message << "\n";
      return kExitTargetGone;
    case sites::Outcome::kProbeDetached:
      err << "leakwatchd: --attribute " << opts.pid << ": " << report->message << "\n";
      return kExitProbeDetached;
    default:
      return EXIT_SUCCESS;
  }
}

}  // namespace lw::daemon
