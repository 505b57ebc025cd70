#include "analysis/process_analysis.h"

#include <algorithm>

#include "analysis/growth.h"
#include "analysis/series_view.h"

namespace lw::analysis {

namespace {

void copy_latest(const store::ProcessSeries& s, ProcessReport& out) {
  const auto& p = s.last;
  out.id = s.id;
  out.comm = s.labels.comm;
  out.group = s.labels.group;
  out.cgroup = s.labels.cgroup;
  out.unit = s.labels.unit;
  out.ppid = p.ppid;
  out.uid = p.uid;
  out.start_time_seconds = p.start_time_seconds;
  out.alive = s.alive;
  out.rss_bytes = p.rss_bytes;
  out.anon_bytes = p.anon_bytes;
  out.file_bytes = p.file_bytes;
  out.shmem_bytes = p.shmem_bytes;
  out.swap_bytes = p.swap_bytes;
  out.vsize_bytes = p.vsize_bytes;
  out.open_fds = p.open_fds;
  out.max_fds = p.max_fds;
  if (s.smaps) {
    out.pss_bytes = s.smaps->pss_bytes;
    out.uss_bytes = s.smaps->uss_bytes();
    out.anon_huge_pages_bytes = s.smaps->anon_huge_pages_bytes;
    out.pss_sampled_at = static_cast<double>(s.smaps_wall_ms) / 1000.0;
  }
}

// Carries "suspect since" across scans: set when first flagged, cleared when no longer suspect.
void track_since(bool suspect, double now_wall, std::optional<double>& since) {
  if (!suspect) {
    since.reset();
  } else if (!since) {
    since = now_wall;
  }
}

}  // namespace

void ProcessAnalyser::judge(const store::SeriesStore& store, const store::ProcessSeries& s,
                            std::uint64_t since, double now_s, double age, ProcessAnalysis& out,
                            ProcessVerdictState& state) {
  memory_.clear();
  fds_.clear();
  read_channel(store, s.series, store::kPrivateBytes, since, &memory_, nullptr);
  read_channel(store, s.series, store::kFds, since, &fds_, nullptr);
  const auto memory_rates = window_rates(memory_, now_s, options_);
  const auto fd_rates = window_rates(fds_, now_s, options_);
  for (std::size_t w = 0; w < options_.windows.size(); ++w) {
    out.report.rates.push_back({options_.window_labels[w], memory_rates[w], fd_rates[w]});
  }
  const Verdict mv = classify(memory_, age, options_.memory);
  const Verdict fv = classify(fds_, age, options_.fds);
  out.report.memory = to_resource(mv);
  out.report.fds = to_resource(fv);
  state.rate_long = mv.rate_per_second;
  if (in_pattern(out.report.memory, {"leak", "growing"}) && mv.rate_per_second) {
    out.memory_rate = mv.rate_per_second;
  }
  const auto& p = s.last;
  if (in_pattern(out.report.fds, {"leak", "growing"}) && fv.rate_per_second && p.max_fds &&
      p.open_fds) {
    out.report.fds.seconds_to_limit = seconds_to_limit(
        static_cast<double>(*p.open_fds), *fv.rate_per_second, static_cast<double>(*p.max_fds));
    if (out.report.fds.seconds_to_limit) {
      out.report.fds.limit_kind = "nofile";
    }
  }
  if (memory_.size() < 3) {
    out.report.memory.pattern.clear();  // RssAnon absent (old kernel): no memory verdict
    out.memory_rate.reset();
  }
}

ProcessAnalysis ProcessAnalyser::analyse(const store::SeriesStore& store,
                                         const store::ProcessSeries& s, ProcessVerdictState& state,
                                         std::int64_t now_ms, double now_wall) {
  ProcessAnalysis out;
  copy_latest(s, out.report);
  if (!s.alive) {
    // A dead process keeps its last verdict for the post-mortem; nothing new to analyse.
    out.report.memory.pattern = state.pattern;
    out.report.memory.suspect = false;
    return out;
  }
  const std::uint64_t since = store.seq_since(now_ms - options_.longest_ms());
  const auto mem_range = s.series.range_since(store::kPrivateBytes, since);
  const auto fd_range = s.series.range_since(store::kFds, since);
  const bool flat = mem_range.min && mem_range.min == mem_range.max && fd_range.min == fd_range.max;
  if (s.series.size() < 3) {
    // Too little history to say anything: no rate and no pattern, rather than a made-up "flat".
    for (const auto& label : options_.window_labels) {
      out.report.rates.push_back({label, std::nullopt, std::nullopt});
    }
    out.report.memory.pattern.clear();
    out.report.fds.pattern.clear();
  } else if (flat) {
    // Fast path: nothing moved over the longest window (most processes on most hosts).
    for (const auto& label : options_.window_labels) {
      out.report.rates.push_back(
          {label, 0.0, fd_range.min ? std::optional<double>(0.0) : std::nullopt});
    }
  } else {
    const double age = std::max(0.0, now_wall - s.last.start_time_seconds);
    judge(store, s, since, static_cast<double>(now_ms) / 1000.0, age, out, state);
  }
  state.pattern = out.report.memory.pattern;
  state.memory_suspect = out.report.memory.suspect;
  track_since(out.report.memory.suspect, now_wall, state.memory_suspect_since);
  track_since(out.report.fds.suspect, now_wall, state.fds_suspect_since);
  out.report.memory.suspect_since_seconds = state.memory_suspect_since;
  out.report.fds.suspect_since_seconds = state.fds_suspect_since;
  return out;
}

}  // namespace lw::analysis
