// The history survives a restart of the real daemon: written to paths.state_dir periodically
// and on SIGTERM, reloaded on start (running processes continue their series, exited ones come
// back as dead-process history), and a corrupt file is discarded with one warning, never fatal.

#include <chrono>
#include <csignal>
#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <sys/wait.h>

#include <catch2/catch.hpp>

#include "http/json_check.h"
#include "support/daemon.h"

using namespace lw::testing;
using namespace std::chrono_literals;

namespace {

Child start_workload(const std::vector<std::string>& args) {
  std::vector<std::string> argv{workload_path()};
  argv.insert(argv.end(), args.begin(), args.end());
  Child c = Child::spawn(argv);
  REQUIRE(c.wait_for_line("ready", 30s));
  return c;
}

double wall_now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// The "history" array of /api/v1/processes/<pid>: [t, bytes] pairs, oldest first.
std::vector<double> history_times(Daemon& d, pid_t pid) {
  std::vector<double> out;
  const auto body = d.get("/api/v1/processes/" + std::to_string(pid));
  if (!body) {
    return out;
  }
  const auto doc = json::parse(*body);
  const json::Value* history = doc ? doc->get("history") : nullptr;
  if (history == nullptr) {
    return out;
  }
  for (const json::Value& point : history->array) {
    if (point.array.size() == 2) {
      out.push_back(point.array[0].number);
    }
  }
  return out;
}

// The "alive" field of `pid` in /api/v1/processes; nullopt when not listed.
std::optional<bool> listed_alive(Daemon& d, pid_t pid) {
  const auto body = d.get("/api/v1/processes");
  const auto doc = body ? json::parse(*body) : std::nullopt;
  if (!doc) {
    return std::nullopt;
  }
  for (const json::Value& p : doc->array) {
    const json::Value* id = p.get("pid");
    const json::Value* alive = p.get("alive");
    if (id != nullptr && alive != nullptr && id->number == static_cast<double>(pid)) {
      return alive->boolean;
    }
  }
  return std::nullopt;
}

std::size_t count_lines(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  for (auto pos = text.find(needle); pos != std::string::npos; pos = text.find(needle, pos + 1)) {
    ++n;
  }
  return n;
}

void stop_cleanly(Daemon& d) {
  const auto st = d.process().stop(SIGTERM, 10s);
  REQUIRE(st);
  CHECK(WIFEXITED(*st));
  CHECK(WEXITSTATUS(*st) == 0);
  d.process().drain();
}

}  // namespace

TEST_CASE("persist: the history survives a daemon restart", "[integration][persist]") {
  FakeRoot tmp;
  const std::filesystem::path state_dir = tmp / "var/lib/leakwatch";  // created by the daemon
  const std::filesystem::path snap = state_dir / "history.snap";
  const std::string yaml =
      fast_config_yaml("export:\n  include:\n    - comm: \"lw-persist-.*\"\npaths:\n  state_dir: " +
                       state_dir.string() + "\n");
  Child leak = start_workload(
      {"--mode", "leak", "--name", "lw-persist-leak", "--base", "8", "--rate", "262144"});
  Child gone = start_workload({"--mode", "idle", "--name", "lw-persist-gone", "--base", "2"});

  double first_t = 0;
  double stopped_at = 0;
  {
    Daemon d(yaml);
    REQUIRE(d.wait_scans(5, 20s));
    // store.snapshot_interval is 5s in the fast configuration: a periodic write comes first.
    REQUIRE(wait_until([&] { return std::filesystem::exists(snap); }, 20s));
    const auto before = history_times(d, leak.pid());
    REQUIRE(before.size() >= 5);
    first_t = before.front();
    stopped_at = wall_now();
    stop_cleanly(d);
    INFO(d.process().output());
    CHECK(d.process().output().find("saved history snapshot") != std::string::npos);
    CHECK(d.process().output().find("restored history") == std::string::npos);  // first start
    CHECK(d.process().output().find("discarding snapshot") == std::string::npos);
  }
  REQUIRE(std::filesystem::file_size(snap) > 24);
  // Created 0750 (less whatever the umask removes): never readable by others.
  CHECK((std::filesystem::status(state_dir).permissions() & std::filesystem::perms::others_all) ==
        std::filesystem::perms::none);
  // Exits while the daemon is down: it must come back as dead-process history.
  REQUIRE(gone.stop(SIGTERM, 5s));

  SECTION("restarted with the same state_dir: the series continues") {
    Daemon d(yaml);
    INFO(d.process().output());
    CHECK(count_lines(d.process().output(), "restored history: ") == 1);
    CHECK(d.process().output().find("discarding snapshot") == std::string::npos);
    REQUIRE(d.wait_scans(2, 20s));
    CHECK(listed_alive(d, gone.pid()) == false);  // kept for the post-mortem, dead
    std::vector<double> after;
    REQUIRE(wait_until(
        [&] {
          after = history_times(d, leak.pid());
          return !after.empty() && after.back() > stopped_at;  // a point from the new run
        },
        20s));
    CHECK(after.front() == first_t);  // the same first point as before the restart
    std::size_t older = 0;
    for (const double t : after) {
      older += t < stopped_at ? 1 : 0;
    }
    CHECK(older >= 5);
    stop_cleanly(d);
  }

  SECTION("a corrupt snapshot is discarded with one warning, and the daemon starts empty") {
    tmp.file("var/lib/leakwatch/history.snap", "LWSNAP01 but then garbage, not a history");
    Daemon d(yaml);
    REQUIRE(d.wait_scans(2, 20s));
    d.process().drain();
    INFO(d.process().output());
    CHECK(count_lines(d.process().output(), "discarding snapshot") == 1);
    CHECK(d.process().output().find(snap.string()) != std::string::npos);
    CHECK(d.process().output().find("restored history") == std::string::npos);
    const auto after = history_times(d, leak.pid());
    REQUIRE_FALSE(after.empty());
    CHECK(after.front() > stopped_at);  // nothing from before the restart
    CHECK_FALSE(listed_alive(d, gone.pid()).has_value());
    // The next shutdown replaces the bad file with a good one.
    stop_cleanly(d);
    Daemon again(yaml);
    CHECK(count_lines(again.process().output(), "restored history: ") == 1);
    stop_cleanly(again);
  }
}
