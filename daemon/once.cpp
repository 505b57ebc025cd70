#include "daemon/once.h"

#include <array>
#include <cinttypes>
#include <cstdio>
#include <iomanip>
#include <ostream>
#include <thread>

#include "analysis/recording.h"
#include "daemon/scan_cycle.h"
#include "export/leak_collectable.h"
#include "http/api.h"

namespace lw::daemon {

namespace {
std::string bytes(std::optional<std::uint64_t> b) {
  return b ? analysis::human_bytes(static_cast<double>(*b)) : "-";
}
std::string count(std::optional<std::uint64_t> n) {
  return n ? std::to_string(*n) : "-";
}

void print_text(const analysis::Report& r, const model::ScanStats& st, std::ostream& out) {
  const auto& s = r.system;
  out << "Host memory: total " << bytes(s.mem_total_bytes) << ", available "
      << bytes(s.mem_available_bytes) << ", swap " << bytes(s.swap_total_bytes) << " (free "
      << bytes(s.swap_free_bytes) << ")";
  if (s.seconds_to_memory_exhaustion) {
    out << ", exhausted in ~" << analysis::human_duration(*s.seconds_to_memory_exhaustion);
  }
  out << "\nmemory cgroups: " << s.cgroup_layout << ", " << r.cgroups.size() << " shown\n\n";

  std::size_t suspects = 0;
  for (const auto& p : r.processes) {
    if (p.alive && (p.memory.suspect || p.fds.suspect)) {
      if (suspects++ == 0) {
        out << "LEAK SUSPECTS\n";
      }
      const double rate = p.rates.empty() ? 0.0 : p.rates.back().bytes_per_second.value_or(0.0);
      out << "  pid " << p.id.pid << " (" << p.comm
          << "): " << (p.memory.suspect ? "memory" : "fds") << " leak, score " << std::fixed
          << std::setprecision(2) << p.memory.score << ", " << analysis::human_bytes(rate * 3600)
          << "/h";
      if (p.memory.seconds_to_limit) {
        out << ", " << p.memory.limit_kind << " limit in ~"
            << analysis::human_duration(*p.memory.seconds_to_limit);
      }
      out << "\n";
    }
  }
  if (suspects == 0) {
    out << "No leak suspects";
    if (r.self.scans_total < 3) {
      out << " (one scan cannot show growth: try --duration 2m)";
    }
    out << ".\n";
  }
  out << "\nTOP PROCESSES BY PRIVATE MEMORY (anon + swap)\n";
  std::array<char, 512> line{};
  (void)std::snprintf(line.data(), line.size(), "%8s  %-16s %10s %10s %10s %10s %10s %7s  %s\n",
                      "PID", "COMM", "PRIVATE", "RSS", "ANON", "SWAP", "PSS", "FDS", "PATTERN");
  out << line.data();
  std::size_t shown = 0;
  for (const auto& p : r.processes) {
    if (!p.alive || shown++ >= 15) {
      continue;
    }
    (void)std::snprintf(
        line.data(), line.size(), "%8d  %-16.16s %10s %10s %10s %10s %10s %7s  %s\n", p.id.pid,
        p.comm.c_str(), bytes(p.private_bytes()).c_str(), bytes(p.rss_bytes).c_str(),
        bytes(p.anon_bytes).c_str(), bytes(p.swap_bytes).c_str(), bytes(p.pss_bytes).c_str(),
        count(p.open_fds).c_str(), p.memory.pattern.empty() ? "-" : p.memory.pattern.c_str());
    out << line.data();
  }
  out << "\n" << r.self.processes_scanned << " processes sampled";
  if (st.denied > 0 || r.self.smaps_skipped_denied > 0) {
    out << "; not permitted: " << st.denied << " files, " << r.self.smaps_skipped_denied
        << " smaps_rollup reads (run as root or with CAP_SYS_PTRACE to see every process)";
  }
  out << ".\n";
}
}  // namespace

int run_once(const config::Config& cfg_in, const OnceOptions& options, std::ostream& out,
             std::ostream& err) {
  config::Config cfg = cfg_in;
  ScanCycle cycle(cfg);
  if (auto opened = cycle.open(); !opened) {
    err << "leakwatchd: " << opened.error().detail << "\n";
    return 1;
  }
  std::shared_ptr<const analysis::Report> report;
  const auto start = std::chrono::steady_clock::now();
  auto next = start;
  do {
    std::this_thread::sleep_until(next);
    std::vector<analysis::OomEvent> events;
    report = cycle.run(std::chrono::steady_clock::now(), std::chrono::system_clock::now(), events);
    next += cfg.scan.interval;
  } while (next - start <= options.duration);

  if (options.format == "prometheus") {
    out << exporter::render_metrics(*report);
  } else if (options.format == "json") {
    out << http::render_report_json(*report) << "\n";
  } else {
    print_text(*report, cycle.last_stats(), out);
  }
  return 0;
}

}  // namespace lw::daemon
