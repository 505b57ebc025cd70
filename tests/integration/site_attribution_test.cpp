// End to end: leakwatchd --attribute on tests/sites' four-thread workload (built -O2 without
// frame pointers): the leak is the top site with >= 80% of the retained bytes over >= 50
// samples, the churn (512 KiB buffers mmap'd and freed) holds < 10%, the library dlopen'ed
// mid-session is named; the stripped copy gives module+offset frames with its build-id.
// Needs BPF (root, uprobes): skips visibly otherwise.

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

const std::string kWorkload = LW_SITE_WORKLOAD_PATH;

// Every allocation of 16 KiB or more sampled (the leak's sessions are 16 KiB), survivors
// counted after 500 ms.
constexpr const char* kConfig =
    "attribution:\n  sample_interval: 16KiB\n  min_age: 500ms\n  probe_phase: 500ms\n";

std::string why_no_bpf() {
  if (geteuid() != 0) {
    return "needs root (CAP_BPF, CAP_PERFMON) to load BPF programs";
  }
  if (::access("/sys/bus/event_source/devices/uprobe/type", R_OK) != 0) {
    return "the kernel has no uprobe PMU";
  }
  return {};
}

nlohmann::json report_of(const std::string& output) {
  const auto at = output.find("\n{");
  const auto begin = output.starts_with("{") ? 0 : at + 1;
  REQUIRE((output.starts_with("{") || at != std::string::npos));
  return nlohmann::json::parse(output.substr(begin, output.find('\n', begin) - begin));
}

bool has_function(const nlohmann::json& site, const std::string& name) {
  for (const auto& f : site["frames"]) {
    if (f["function"].get<std::string>().find(name) != std::string::npos) {
      return true;
    }
  }
  return false;
}

double share_of(const nlohmann::json& report, const std::string& function) {
  double share = 0;
  for (const auto& site : report["sites"]) {
    if (has_function(site, function)) {
      share += site["share"].get<double>();
    }
  }
  return share;
}

struct Run {
  FakeRoot dir;
  Child target;
  Child command;
};

// Starts the workload, then a session of `duration` on it; once the probes are attached the
// workload is told (SIGUSR1) to dlopen its plugin. Returns the command's exit code.
int run_session(Run& r, const std::string& binary, const std::string& duration) {
  r.dir.file("c.yaml", kConfig);
  r.target = Child::spawn({binary, "--plugin-kib-per-s", "64", "--touch-mib", "64"});
  const auto ready = r.target.wait_for_line("ready ", 10s);
  REQUIRE(ready.has_value());
  r.command =
      Child::spawn({daemon_path(), "--attribute", std::to_string(r.target.pid()), "--duration",
                    duration, "--format", "json", "--config", (r.dir / "c.yaml").string()});
  REQUIRE(r.command.wait_for_line("probes to", 10s));
  ::kill(r.target.pid(), SIGUSR1);
  REQUIRE(r.target.wait_for_line("plugin loaded", 10s));
  std::optional<int> status;
  wait_until([&] { return (status = r.command.poll_exit()).has_value(); }, 60s);
  r.command.drain();
  return status && WIFEXITED(*status) ? WEXITSTATUS(*status) : -1;
}

std::string readelf_build_id(const std::string& path) {
  const auto [status, out] = run_command("readelf -n '" + path + "'");
  const auto at = out.find("Build ID: ");
  if (status != 0 || at == std::string::npos) {
    return {};
  }
  return out.substr(at + 10, out.find_first_of(" \n", at + 10) - (at + 10));
}

}  // namespace

TEST_CASE("attribute e2e: the site workload's leak is the top site, churn < 10%, plugin named",
          "[integration][attribute]") {
  if (const auto why = why_no_bpf(); !why.empty()) {
    LW_SKIP(why);
  }
  Run r;
  REQUIRE(run_session(r, kWorkload, "6s") == 0);
  INFO(r.command.output());
  const auto j = report_of(r.command.output());
  CHECK(j["outcome"] == "completed");
  REQUIRE(j["enough_samples"] == true);
  CHECK(j["samples"].get<int>() >= 50);
  // The churn was sampled (every 512 KiB request is), and freed: it is traffic, not retention.
  CHECK(j["sampled_allocations"].get<int>() > 3 * j["samples"].get<int>());
  REQUIRE_FALSE(j["sites"].empty());
  const auto& top = j["sites"][0];
  CHECK(has_function(top, "leak_sessions"));
  CHECK(has_function(top, "remember_session"));  // the inlined frame
  CHECK(top["share"].get<double>() >= 0.8);
  CHECK(top["samples"].get<int>() >= 50);
  CHECK(share_of(j, "handle_request") < 0.1);
  CHECK(share_of(j, "touch_once") == 0.0);  // touched before the session: not seen
  bool plugin_named = false;
  for (const auto& site : j["sites"]) {
    for (const auto& f : site["frames"]) {
      if (f["function"].get<std::string>().find("site_plugin_leak") != std::string::npos) {
        plugin_named = true;
        CHECK(f["module"].get<std::string>().ends_with("libsite_plugin.so"));
        CHECK_FALSE(f["build_id"].get<std::string>().empty());
      }
    }
  }
  CHECK(plugin_named);
  r.target.stop(SIGKILL, 5s);
}

TEST_CASE("attribute e2e: the stripped workload's sites are module+offset with its build-id",
          "[integration][attribute]") {
  if (const auto why = why_no_bpf(); !why.empty()) {
    LW_SKIP(why);
  }
  const std::string stripped = kWorkload + "_stripped";
  Run r;
  REQUIRE(run_session(r, stripped, "4s") == 0);
  INFO(r.command.output());
  const auto j = report_of(r.command.output());
  REQUIRE_FALSE(j["sites"].empty());
  const std::string build_id = readelf_build_id(stripped);
  REQUIRE_FALSE(build_id.empty());
  std::size_t in_binary = 0;
  for (const auto& f : j["sites"][0]["frames"]) {
    if (f["module"] == stripped) {
      ++in_binary;
      CHECK(f["function"].get<std::string>().empty());
      CHECK(f["build_id"] == build_id);
      CHECK(f["offset"].get<std::uint64_t>() > 0);
    }
  }
  CHECK(in_binary >= 2);  // leak_sessions and leaker at least, by offset
  r.target.stop(SIGKILL, 5s);
}
