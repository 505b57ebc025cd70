#pragma once

// The daemon's configuration: one YAML file (/etc/leakwatch/leakwatch.yaml). Strict: unknown
// keys, duplicate keys, wrong types and out-of-range values are errors that name file:line:col
// and the allowed range. Every default here is documented in config/leakwatch.yaml.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace lw::config {

using Duration = std::chrono::milliseconds;

// How processes are grouped for the per-group aggregates and sibling comparison.
enum class GroupBy { kComm, kUnit, kCgroup, kRules };

// A matcher over a process: every field that is set must match (RE2 regex, full match).
// Used by include/exclude and by group rules. Regexes run once per new process, never per scan.
struct Matcher {
  std::optional<std::string> comm;
  std::optional<std::string> exe;
  std::optional<std::string> cmdline;
  std::optional<std::string> cgroup;

  bool operator==(const Matcher&) const = default;
};

struct GroupRule {
  Matcher match;
  std::string name;  // template: {comm}, {unit}, {cgroup}, {pid} are substituted

  bool operator==(const GroupRule&) const = default;
};

struct CgroupFilter {
  std::optional<std::string> path;  // regex over the cgroup path

  bool operator==(const CgroupFilter&) const = default;
};

struct Config {
  struct Scan {
    Duration interval{std::chrono::seconds(10)};  // 100ms .. 1h
    struct Smaps {
      bool enabled = true;
      Duration min_interval{std::chrono::minutes(5)};  // per process; 0 .. 24h
      // A reading older than this (reads stop above max_rss or on the budget) is dropped, not
      // exported as current; at least min_interval; 1s .. 7d.
      Duration max_age{std::chrono::minutes(15)};
      std::uint64_t max_rss_bytes = 16ULL << 30;        // never read above this (unless forced)
      Duration budget{std::chrono::milliseconds(200)};  // per scan; 0 .. 10s
      std::uint32_t top_k = 20;                         // also read for the top-K by private memory
      std::vector<Matcher> force;  // read even above max_rss (still within the budget)

      bool operator==(const Smaps&) const = default;
    } smaps;
    Duration limits_interval{std::chrono::minutes(1)};  // re-read /proc/PID/limits this often
    // Re-read cgroup, exe and cmdline of each process every N scans (and on a comm change), so a
    // process moved into its cgroup after start keeps the right labels; 0 = only on comm change.
    std::uint32_t identity_refresh_scans = 30;
    bool kmsg = true;  // read OOM lines from /dev/kmsg

    bool operator==(const Scan&) const = default;
  } scan;

  struct Store {
    Duration retention{std::chrono::hours(6)};      // history kept per series
    Duration dead_grace{std::chrono::minutes(15)};  // history of exited processes kept this long
    std::uint32_t max_series = 20000;  // processes + cgroups; full: evict exited, then small+flat
    Duration snapshot_interval{std::chrono::minutes(5)};  // 0 = only on shutdown

    bool operator==(const Store&) const = default;
  } store;

  struct Analysis {
    std::vector<Duration> windows{std::chrono::minutes(15), std::chrono::hours(1),
                                  std::chrono::hours(6)};
    Duration warmup_grace{std::chrono::minutes(10)};  // after process start: never a suspect
    Duration min_observed{std::chrono::minutes(15)};
    // The period the *_per_hour thresholds refer to. 1h in production; divide it with every other
    // duration to run the same analysis on a compressed clock (tests run at 1/60: 1m).
    Duration rate_period{std::chrono::hours(1)};  // history needed before a verdict
    double min_growth_ratio_per_hour = 0.05;      // relative growth of private memory, per hour
    std::uint64_t min_growth_bytes_per_hour = 1ULL << 20;  // absolute, per hour
    double min_fd_growth_per_hour = 10;                    // FDs per hour
    double suspect_score = 0.7;                            // score at or above -> suspect
    double sibling_outlier_ratio = 3.0;  // private memory above ratio x group median -> outlier
    std::uint32_t max_oom_events = 100;  // post-mortems kept
    // An instance that died and was followed by a new one of the same unit/cgroup within this
    // long was restarted (a crash loop counts it); one not replaced that soon exited.
    Duration crash_loop_restart_within{std::chrono::minutes(1)};  // 100ms .. 1d

    bool operator==(const Analysis&) const = default;
  } analysis;

  struct Export {
    std::uint32_t top_k = 20;      // processes exported per process, by private memory
    std::vector<Matcher> include;  // always tracked (exported per process)
    std::vector<Matcher> exclude;  // never sampled
    std::uint32_t max_label_bytes = 128;
    struct Cgroups {
      std::uint32_t max_depth = 6;
      std::uint64_t min_usage_bytes = 0;  // export cgroups holding processes or at least this
      std::uint32_t max_exported = 500;
      std::vector<CgroupFilter> include;
      std::vector<CgroupFilter> exclude;

      bool operator==(const Cgroups&) const = default;
    } cgroups;

    bool operator==(const Export&) const = default;
  } exporter;

  struct Groups {
    GroupBy by = GroupBy::kComm;
    std::vector<GroupRule> rules;  // used when by == kRules; first match wins, else comm

    bool operator==(const Groups&) const = default;
  } groups;

  struct Web {
    std::string listen = "0.0.0.0:9847";
    std::uint32_t threads = 8;                                          // 4 .. 64
    Duration request_timeout{std::chrono::seconds(5)};                  // 10ms .. 60s
    Duration header_timeout{std::chrono::seconds(3)};                   // 100ms .. 60s
    std::uint32_t max_connections = 512;                                // 16 .. 65536
    std::uint32_t max_connections_per_address = 64;                     // 1 .. max_connections
    std::vector<std::pair<std::string, std::string>> basic_auth_users;  // user -> bcrypt hash
    std::vector<std::string> allow;  // CIDRs allowed to connect; empty = everyone

    bool operator==(const Web&) const = default;
  } web;

  // leakwatchd --attribute: allocation-site attribution (lib/sites). Read at each session's start.
  struct Attribution {
    std::uint64_t sample_interval = 512ULL << 10;   // mean bytes between samples; 1 .. 1GiB
    std::uint64_t stack_bytes = 8ULL << 10;         // user stack copied per sample; 512 .. 16KiB
    std::uint32_t max_live_samples = 65536;         // BPF live map entries; 1024 .. 4194304
    std::uint64_t ring_buffer = 4ULL << 20;         // power of two; 64KiB .. 256MiB
    std::uint32_t max_stack_records = 20000;        // raw stacks held in user space; 100 .. 1000000
    Duration min_age{std::chrono::seconds(5)};      // retained = live and older; 0 .. 1h
    Duration probe_phase{std::chrono::seconds(2)};  // hard cap; 100ms .. 1m
    double target_budget_percent = 5.0;  // target CPU lost to traps, % of one CPU; 0.01 .. 100
    double trap_cost_us = 5.0;           // per probe hit, microseconds; 0.1 .. 100
    double daemon_budget_percent = 5.0;  // our CPU for unwinding, % of one CPU; 0.1 .. 100
    std::uint32_t min_samples = 20;      // below: "not enough samples to rank"; 1 .. 100000
    std::vector<std::string> allocator_libraries{"libjemalloc", "libtcmalloc", "libmimalloc"};
    std::string symbol_prefix;  // e.g. "je_"

    bool operator==(const Attribution&) const = default;
  } attribution;

  struct Paths {
    std::string procfs = "/proc";
    std::string sysfs = "/sys";
    std::string state_dir = "/var/lib/leakwatch";
    std::string kmsg = "/dev/kmsg";

    bool operator==(const Paths&) const = default;
  } paths;

  struct Log {
    std::string level = "info";  // trace, debug, info, warn, error

    bool operator==(const Log&) const = default;
  } log;

  // Field-wise, so a SIGHUP reload can tell whether anything changed and tests can compare the
  // shipped config/leakwatch.yaml with these defaults as a whole.
  bool operator==(const Config&) const = default;
};

// Parses YAML text; `source` names the file in errors ("leakwatch.yaml:12:5: ...").
// Errors are kMalformed with the detail "<source>:<line>:<col>: <what>, allowed: <range>".
Result<Config> parse_config(std::string_view yaml_text, std::string_view source);

// Reads and parses a file; I/O errors name the file.
Result<Config> load_config(const std::string& path);

// Checks every range and cross-field rule (windows >= 2 x scan.interval, store.retention >= the
// largest window, ...), compiles every regex, and normalizes: web.listen ":9847" becomes
// "0.0.0.0:9847" and "localhost:P" becomes "127.0.0.1:P"; analysis.windows is sorted and
// deduplicated. parse_config calls it with file positions; call it directly after changing a
// Config in code (command-line overrides), where errors name only the key ("web.listen: ...").
Result<Config> validate(Config config);

// "200ms", "10s", "5m", "6h", "1d" (and a bare "0") -> milliseconds; nullopt on anything else
// (spaces, signs, fractions, unknown units, overflow).
std::optional<Duration> parse_duration(std::string_view s);
// "512MiB", "16GiB", "4096", "1KiB", "10MB" (SI) -> bytes; nullopt on anything else or overflow.
std::optional<std::uint64_t> parse_size(std::string_view s);
// Shortest round-trip text for a duration ("15m", "1h", "500ms"), for labels like window="1h".
std::string format_duration(Duration d);

}  // namespace lw::config
