// End to end, at 1/60 time: the real leakwatchd beside real workloads that shape their memory and
// FDs; every verdict is read from /metrics. An hour of a real leak passes in a minute: every
// duration in the daemon's configuration is divided by 60 (interval 166ms, windows 15s/1m/6m,
// warm-up grace 10s, rate_period 1m), the workloads run in real time.

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "support/daemon.h"

using namespace lw::testing;
using namespace std::chrono_literals;

namespace {

constexpr double kMiB = 1 << 20;

struct Workload {
  std::string name;  // comm, and the key in this test
  std::vector<std::string> args;
  bool leaks_memory = false;
  bool leaks_fds = false;
  std::vector<std::string> allowed_patterns;  // empty: any non-leak pattern
};

Child start(const Workload& w) {
  std::vector<std::string> argv{workload_path(), "--name", w.name};
  argv.insert(argv.end(), w.args.begin(), w.args.end());
  Child c = Child::spawn(argv);
  REQUIRE(c.wait_for_line("ready", 30s));
  return c;
}

// The labels of a process's series of one resource (memory, fds).
std::map<std::string, std::string> pid_resource(const Child& c, const std::string& resource) {
  return {{"pid", std::to_string(c.pid())}, {"resource", resource}};
}

// The workloads, what each leaks, and the patterns each may show.
std::vector<Workload> corpus() {
  return {
      {"lw-e2e-leak",
       {"--mode", "leak", "--base", "20", "--rate", std::to_string(kMiB)},
       true,
       false,
       {"leak"}},
      {"lw-e2e-slow",
       {"--mode", "leak", "--base", "4", "--rate", std::to_string(96 * 1024)},
       true,
       false,
       {"leak"}},
      {"lw-e2e-risesaw",
       {"--mode", "risingsaw", "--base", "20", "--peak", "12", "--rate", std::to_string(6 * kMiB)},
       true,
       false,
       {"leak"}},
      {"lw-e2e-warmup",
       {"--mode", "plateau", "--base", "10", "--rate", std::to_string(3 * kMiB), "--period", "8"},
       false,
       false,
       {"warmup", "step", "flat"}},
      {"lw-e2e-gc",
       {"--mode", "sawtooth", "--base", "20", "--peak", "16", "--rate", std::to_string(6 * kMiB)},
       false,
       false,
       {"sawtooth"}},
      {"lw-e2e-steps",
       {"--mode", "steps", "--peak", "12", "--period", "4", "--bursts", "3"},
       false,
       false,
       {"step", "warmup"}},
      {"lw-e2e-file",
       {"--mode", "file", "--peak", "96", "--rate", std::to_string(kMiB)},
       false,
       false,
       {"flat", "noisy"}},
      {"lw-e2e-fdleak", {"--mode", "fdleak", "--rate", "5"}, false, true, {}},
      {"lw-e2e-idle", {"--mode", "idle", "--base", "8"}, false, false, {"flat"}},
  };
}

// One workload's verdict as /metrics shows it: suspect or not per resource, an allowed pattern,
// and for a memory leak a positive rate and a time to limit.
void check_workload(const std::vector<MetricSample>& m, const Workload& w, const Child& c) {
  INFO(w.name);
  CHECK(find_sample(m, "leakwatch_process_leak_suspect", pid_resource(c, "memory")) ==
        (w.leaks_memory ? 1.0 : 0.0));
  CHECK(find_sample(m, "leakwatch_process_leak_suspect", pid_resource(c, "fds")) ==
        (w.leaks_fds ? 1.0 : 0.0));
  std::string pattern;
  for (const char* p : {"flat", "warmup", "sawtooth", "step", "noisy", "growing", "leak"}) {
    if (find_sample(m, "leakwatch_process_growth_pattern",
                    {{"pid", std::to_string(c.pid())}, {"pattern", p}}) == 1.0) {
      pattern = p;
    }
  }
  INFO("pattern " << pattern);
  if (!w.allowed_patterns.empty()) {
    CHECK(std::find(w.allowed_patterns.begin(), w.allowed_patterns.end(), pattern) !=
          w.allowed_patterns.end());
  }
  if (w.leaks_memory) {
    CHECK(find_sample(m, "leakwatch_process_memory_growth_bytes_per_second",
                      {{"pid", std::to_string(c.pid())}, {"window", "1m"}})
              .value_or(0) > 0);
    CHECK(find_sample(m, "leakwatch_process_seconds_to_limit",
                      {{"pid", std::to_string(c.pid())}, {"resource", "memory"}})
              .has_value());
  }
}

}  // namespace

TEST_CASE("e2e: leaks are flagged and non-leaks are not, at 1/60 time", "[integration][e2e]") {
  const std::vector<Workload> workloads = corpus();
  std::map<std::string, Child> kids;
  for (const auto& w : workloads) {
    kids.emplace(w.name, start(w));
  }
  // Siblings: four instances of the same program, one of which leaks.
  std::vector<Child> siblings;
  for (int i = 0; i < 3; ++i) {
    siblings.push_back(start({"lw-e2e-sib", {"--mode", "idle", "--base", "8"}, false, false, {}}));
  }
  siblings.push_back(start({"lw-e2e-sib",
                            {"--mode", "leak", "--base", "8", "--rate", std::to_string(kMiB)},
                            true,
                            false,
                            {}}));

  Daemon d(fast_config_yaml("export:\n  top_k: 5\n  include:\n    - comm: \"lw-e2e-.*\"\n"));
  const auto t0 = std::chrono::steady_clock::now();
  std::map<std::string, double> flagged_after;  // seconds until first flagged
  const auto all_flagged = [&] {
    const auto m = d.scrape();
    const double t = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    for (const auto& w : workloads) {
      for (const auto& [leaks, resource] :
           {std::pair{w.leaks_memory, "memory"}, std::pair{w.leaks_fds, "fds"}}) {
        if (leaks && flagged_after.count(w.name + resource) == 0 &&
            find_sample(m, "leakwatch_process_leak_suspect",
                        pid_resource(kids.at(w.name), resource)) == 1.0) {
          flagged_after[w.name + resource] = t;
        }
      }
    }
    if (flagged_after.count("sibling") == 0 &&
        find_sample(m, "leakwatch_process_leak_suspect", pid_resource(siblings.back(), "memory")) ==
            1.0) {
      flagged_after["sibling"] = t;
    }
    // Judge the non-leaks only once they have had a minute (an hour at this scale).
    return flagged_after.size() == 5 && t >= 60;
  };
  REQUIRE(wait_until(all_flagged, 150s, 500ms));
  for (const auto& [name, secs] : flagged_after) {
    WARN("flagged " << name << " after " << secs << " s (x60 = " << secs / 60 << " h real time)");
  }

  const auto m = d.scrape();
  for (const auto& w : workloads) {
    check_workload(m, w, kids.at(w.name));
  }
  CHECK(find_sample(m, "leakwatch_process_fd_growth_per_second",
                    {{"pid", std::to_string(kids.at("lw-e2e-fdleak").pid())}, {"window", "1m"}})
            .value_or(0) > 3);
  CHECK(find_sample(m, "leakwatch_process_seconds_to_limit",
                    {{"pid", std::to_string(kids.at("lw-e2e-fdleak").pid())},
                     {"resource", "fds"},
                     {"limit", "nofile"}})
            .has_value());
  // Exactly one sibling leaks and stands out.
  for (std::size_t i = 0; i < siblings.size(); ++i) {
    INFO("sibling " << i);
    const bool leaker = i + 1 == siblings.size();
    CHECK(find_sample(m, "leakwatch_process_leak_suspect", pid_resource(siblings[i], "memory")) ==
          (leaker ? 1.0 : 0.0));
    CHECK(find_sample(m, "leakwatch_process_sibling_outlier",
                      {{"pid", std::to_string(siblings[i].pid())}}) == (leaker ? 1.0 : 0.0));
  }
  CHECK(find_sample(m, "leakwatch_group_leak_suspects", {{"group", "lw-e2e-sib"}}) == 1.0);
}
