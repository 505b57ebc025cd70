#include "daemon/once.h"

#include <iterator>
#include <ostream>
#include <string>
#include <string_view>
#include <thread>

#include <fmt/core.h>

#include "daemon/scan_cycle.h"
#include "export/leak_collectable.h"
#include "format/bytes.h"
#include "format/duration.h"
#include "http/api.h"

namespace lw::daemon {

namespace {

constexpr std::size_t kTopRows = 15;

std::string bytes(std::optional<std::uint64_t> b) {
  return b ? format::bytes(static_cast<double>(*b)) : "-";
}
std::string count(std::optional<std::uint64_t> n) {
  return n ? std::to_string(*n) : "-";
}

void print_host(const analysis::Report& r, std::string& out) {
  const auto& s = r.system;
  fmt::format_to(std::back_inserter(out), "Host memory: total {}, available {}, swap {} (free {})",
                 bytes(s.mem_total_bytes), bytes(s.mem_available_bytes), bytes(s.swap_total_bytes),
                 bytes(s.swap_free_bytes));
  if (s.seconds_to_memory_exhaustion) {
    out += ", exhausted in ~" + format::duration(*s.seconds_to_memory_exhaustion);
  }
  fmt::format_to(std::back_inserter(out), "\nmemory cgroups: {}, {} shown\n\n", s.cgroup_layout,
                 r.cgroups.size());
}

void print_suspects(const analysis::Report& r, std::string& out) {
  std::size_t suspects = 0;
  for (const auto& p : r.processes) {
    if (!p.alive || !(p.memory.suspect || p.fds.suspect)) {
      continue;
    }
    if (suspects++ == 0) {
      out += "LEAK SUSPECTS\n";
    }
    const double rate = p.rates.empty() ? 0.0 : p.rates.back().bytes_per_second.value_or(0.0);
    fmt::format_to(std::back_inserter(out), "  pid {} ({}): {} leak, score {:.2f}, {}", p.id.pid,
                   p.comm, p.memory.suspect ? "memory" : "fds", p.memory.score,
                   format::byte_rate_per_hour(rate));
    if (p.memory.seconds_to_limit) {
      fmt::format_to(std::back_inserter(out), ", {} limit in ~{}", p.memory.limit_kind,
                     format::duration(*p.memory.seconds_to_limit));
    }
    out += "\n";
  }
  if (suspects == 0) {
    out += "No leak suspects";
    if (r.self.scans_total < 3) {
      out += " (one scan cannot show growth: try --duration 2m)";
    }
    out += ".\n";
  }
}

void print_top(const analysis::Report& r, std::string& out) {
  out += "\nTOP PROCESSES BY PRIVATE MEMORY (anon + swap)\n";
  constexpr std::string_view kRow =
      "{:>8}  {:<16.16} {:>10} {:>10} {:>10} {:>10} {:>10} {:>7}  {}\n";
  fmt::format_to(std::back_inserter(out), kRow, "PID", "COMM", "PRIVATE", "RSS", "ANON", "SWAP",
                 "PSS", "FDS", "PATTERN");
  std::size_t shown = 0;
  for (const auto& p : r.processes) {
    if (!p.alive || shown++ >= kTopRows) {
      continue;
    }
    fmt::format_to(std::back_inserter(out), kRow, p.id.pid, p.comm, bytes(p.private_bytes()),
                   bytes(p.rss_bytes), bytes(p.anon_bytes), bytes(p.swap_bytes), bytes(p.pss_bytes),
                   count(p.open_fds), p.memory.pattern.empty() ? "-" : p.memory.pattern);
  }
}

void print_text(const analysis::Report& r, const model::ScanStats& st, std::ostream& stream) {
  std::string out;
  print_host(r, out);
  print_suspects(r, out);
  print_top(r, out);
  fmt::format_to(std::back_inserter(out), "\n{} processes sampled", r.self.processes_scanned);
  if (st.denied > 0 || r.self.smaps_skipped_denied > 0) {
    fmt::format_to(std::back_inserter(out),
                   "; not permitted: {} files, {} smaps_rollup reads (run as root or with "
                   "CAP_SYS_PTRACE to see every process)",
                   st.denied, r.self.smaps_skipped_denied);
  }
  out += ".\n";
  stream << out;
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
