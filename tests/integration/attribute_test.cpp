// leakwatchd --attribute PID against real processes (lw_alloc_target, lw_go_like): the target
// killed, exec'ing or starting a thread mid-session, no privilege, no growth, a Go-like refusal,
// and a malloc-heavy target that the probe phase detaches from. Cases needing BPF skip visibly
// when it is unavailable (not root, no uprobe PMU, the kernel refuses the program).

#include <csignal>
#include <string>

#include <unistd.h>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "support/daemon.h"
#include "support/fake_root.h"
#include "support/process.h"
#include "support/skip.h"

using namespace lw::testing;
using namespace std::chrono_literals;

namespace {

const std::string kTarget = LW_ALLOC_TARGET_PATH;

// Fast sessions: every 4 KiB allocation sampled, survivors counted after 500 ms.
constexpr const char* kConfig =
    "attribution:\n  sample_interval: 4KiB\n  min_age: 500ms\n  probe_phase: 500ms\n  "
    "target_budget_percent: 1\n"
    "  min_samples: 5\n";

// Why BPF attribution cannot run here, or empty. Tried once: a one-second session on a sleeper.
std::string bpf_unavailable() {
  static const std::string reason = [] {
    if (geteuid() != 0) {
      return std::string("needs root (CAP_BPF, CAP_PERFMON) to load BPF programs");
    }
    if (::access("/sys/bus/event_source/devices/uprobe/type", R_OK) != 0) {
      return std::string("the kernel has no uprobe PMU");
    }
    auto sleeper = Child::spawn({kTarget, "--mode", "steady", "--rate", "10"});
    if (!sleeper.wait_for_line("ready", 5s)) {
      return std::string("lw_alloc_target did not start");
    }
    const auto [rc, out] = run_command(daemon_path() + " --attribute " +
                                       std::to_string(sleeper.pid()) + " --duration 200ms");
    sleeper.stop(SIGKILL, 5s);
    return rc == 0 ? std::string()
                   : "BPF attach failed here (rc " + std::to_string(rc) + "): " + out;
  }();
  return reason;
}

struct Session {
  FakeRoot dir;
  Child target;
  Child command;
};

// Starts `target_args`, waits for "ready", then leakwatchd --attribute on it; returns once the
// command says the probes are attached.
void start(Session& s, const std::vector<std::string>& target_args, const std::string& duration,
           const std::string& format = "json") {
  s.dir.file("c.yaml", kConfig);
  std::vector<std::string> argv{kTarget};
  argv.insert(argv.end(), target_args.begin(), target_args.end());
  s.target = Child::spawn(argv);
  REQUIRE(s.target.wait_for_line("ready", 5s));
  s.command =
      Child::spawn({daemon_path(), "--attribute", std::to_string(s.target.pid()), "--duration",
                    duration, "--format", format, "--config", (s.dir / "c.yaml").string()});
  REQUIRE(s.command.wait_for_line("probes to", 10s));
}

// Waits (bounded) for the command to exit; returns its exit code (-1 on timeout).
int finish(Session& s, std::chrono::milliseconds within) {
  std::optional<int> status;
  wait_until([&] { return (status = s.command.poll_exit()).has_value(); }, within);
  s.command.drain();
  return status && WIFEXITED(*status) ? WEXITSTATUS(*status) : -1;
}

// The JSON document in the command's (merged) output: the line starting with '{'.
nlohmann::json report_of(const std::string& output) {
  const auto at = output.find("\n{");
  const auto begin = output.starts_with("{") ? 0 : at + 1;
  REQUIRE((output.starts_with("{") || at != std::string::npos));
  return nlohmann::json::parse(output.substr(begin, output.find('\n', begin) - begin));
}

}  // namespace

TEST_CASE("attribute: a target killed mid-session ends it with exit 5",
          "[integration][attribute]") {
  if (const auto why = bpf_unavailable(); !why.empty()) {
    LW_SKIP(why);
  }
  Session s;
  start(s, {"--mode", "thread", "--after-ms", "0", "--rate", "200"}, "30s");
  s.target.stop(SIGKILL, 5s);
  CHECK(finish(s, 10s) == 5);
  CHECK(s.command.output().find("the target exited") != std::string::npos);
}

TEST_CASE("attribute: a target that execs mid-session ends it with exit 5",
          "[integration][attribute]") {
  if (const auto why = bpf_unavailable(); !why.empty()) {
    LW_SKIP(why);
  }
  Session s;
  start(s, {"--mode", "exec", "--after-ms", "1500"}, "30s");
  REQUIRE(s.target.wait_for_line("exec", 5s));
  CHECK(finish(s, 10s) == 5);
  CHECK(s.command.output().find("exec'd a new image") != std::string::npos);
  s.target.stop(SIGKILL, 5s);
}

TEST_CASE("attribute: a thread started mid-session is traced and its leak is the top site",
          "[integration][attribute]") {
  if (const auto why = bpf_unavailable(); !why.empty()) {
    LW_SKIP(why);
  }
  Session s;
  start(s, {"--mode", "thread", "--after-ms", "700", "--rate", "200"}, "4s");
  REQUIRE(s.target.wait_for_line("thread started", 5s));
  REQUIRE(finish(s, 15s) == 0);
  const auto j = report_of(s.command.output());
  CHECK(j["outcome"] == "completed");
  REQUIRE(j["enough_samples"] == true);
  REQUIRE_FALSE(j["sites"].empty());
  const auto& top = j["sites"][0];
  CHECK(top["share"].get<double>() > 0.8);
  bool named = false;
  for (const auto& f : top["frames"]) {
    named =
        named || f["function"].get<std::string>().find("leak_in_new_thread") != std::string::npos;
  }
  CHECK(named);
  s.target.stop(SIGKILL, 5s);
}

TEST_CASE("attribute: a process with no growth has no sites and no error",
          "[integration][attribute]") {
  if (const auto why = bpf_unavailable(); !why.empty()) {
    LW_SKIP(why);
  }
  Session s;
  start(s, {"--mode", "steady", "--rate", "300"}, "3s", "text");
  REQUIRE(finish(s, 15s) == 0);
  CHECK(s.command.output().find("no retained allocations") != std::string::npos);
  CHECK(s.command.output().find("#1 ") == std::string::npos);
  s.target.stop(SIGKILL, 5s);
}

TEST_CASE("attribute: a malloc-heavy target is detached from in the probe phase (exit 6)",
          "[integration][attribute]") {
  if (const auto why = bpf_unavailable(); !why.empty()) {
    LW_SKIP(why);
  }
  Session s;
  start(s, {"--mode", "heavy"}, "30s");
  REQUIRE(finish(s, 15s) == 6);
  const auto j = report_of(s.command.output());
  CHECK(j["outcome"] == "probe_detached");
  CHECK(j["detach_decided_seconds"].get<double>() <= 0.5 + 0.2);  // within the probe phase cap
  // The probe phase attaches malloc's and free's entries only, so its detach removes two uprobes
  // (in parallel: about one RCU grace period, 0.05-0.3 s here) instead of all 15 (1.6-6.4 s
  // after attach, measured): decision (<= 0.7 s) + removal stays under 1 s.
  CHECK(s.command.output().find("attached 2 probes to") != std::string::npos);
  CHECK(j["detach_seconds"].get<double>() < 1.0);
  CHECK(j["calls_per_second"].get<double>() > 10000);
  CHECK(s.command.output().find("over attribution.target_budget_percent") != std::string::npos);
  s.target.stop(SIGKILL, 5s);
}

TEST_CASE("attribute: a Go program is refused with the reason (exit 3)",
          "[integration][attribute]") {
  auto go = Child::spawn({LW_GO_LIKE_PATH});
  REQUIRE(go.wait_for_line("ready", 5s));
  // Refusal comes before any BPF load, so it needs privileges only to get past their check.
  if (const auto why = bpf_unavailable(); !why.empty()) {
    LW_SKIP(why);
  }
  const auto [rc, out] =
      run_command(daemon_path() + " --attribute " + std::to_string(go.pid()) + " --duration 1s");
  CHECK(rc == 3);
  CHECK(out.find("refused: Go program") != std::string::npos);
  go.stop(SIGKILL, 5s);
}

TEST_CASE("attribute: without CAP_BPF and CAP_PERFMON the message names them (exit 4)",
          "[integration][attribute]") {
  if (geteuid() != 0) {
    LW_SKIP("needs root to drop to an unprivileged user with setpriv");
  }
  auto target = Child::spawn({kTarget, "--mode", "steady", "--rate", "10"});
  REQUIRE(target.wait_for_line("ready", 5s));
  const auto [rc, out] =
      run_command("setpriv --reuid=65534 --regid=65534 --clear-groups " + daemon_path() +
                  " --attribute " + std::to_string(target.pid()) + " --duration 1s");
  CHECK(rc == 4);
  CHECK(out.find("missing CAP_BPF and CAP_PERFMON") != std::string::npos);
  target.stop(SIGKILL, 5s);
}

TEST_CASE("attribute: bad usage exits 2", "[integration][attribute]") {
  const auto [rc, out] = run_command(daemon_path() + " --attribute abc");
  CHECK(rc == 2);
  CHECK(out.find("is not a process id") != std::string::npos);
  const auto [rc2, out2] = run_command(daemon_path() + " --attribute 1 --format prometheus");
  CHECK(rc2 == 2);
}
