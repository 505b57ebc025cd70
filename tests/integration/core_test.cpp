// The real leakwatchd against real processes: what it exports must match what /proc says.

#include <csignal>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <catch2/catch.hpp>

#include "support/daemon.h"

using namespace lw::testing;
using namespace std::chrono_literals;

namespace {

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// "RssAnon:\t  65536 kB" -> bytes.
double status_kib(pid_t pid, const std::string& key) {
  std::istringstream in(slurp("/proc/" + std::to_string(pid) + "/status"));
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(key + ":", 0) == 0) {
      return std::stod(line.substr(key.size() + 1)) * 1024;
    }
  }
  return -1;
}

double count_fds(pid_t pid) {
  double n = 0;
  for ([[maybe_unused]] const auto& e :
       std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/fd")) {
    ++n;
  }
  return n;
}

Child start_workload(const std::vector<std::string>& args) {
  std::vector<std::string> argv{workload_path()};
  argv.insert(argv.end(), args.begin(), args.end());
  Child c = Child::spawn(argv);
  REQUIRE(c.wait_for_line("ready", 30s));
  return c;
}

bool thp_available() {
  const std::string s = slurp("/sys/kernel/mm/transparent_hugepage/enabled");
  return s.find("[always]") != std::string::npos || s.find("[madvise]") != std::string::npos;
}

std::string promtool_check(const std::string& body) {
  FakeRoot tmp;
  tmp.file("m.prom", body);
  const auto [rc, out] = run_command("promtool check metrics < " + (tmp / "m.prom").string());
  return rc == 0 ? "" : (out.empty() ? "promtool failed" : out);
}

}  // namespace

TEST_CASE("daemon: exported values of a real process match /proc", "[integration]") {
  Child hold = start_workload({"--mode", "hold", "--name", "lw-int-hold", "--base", "64", "--fds",
                               "100", "--file", "16", "--huge", "4"});
  Daemon d(fast_config_yaml("export:\n  include:\n    - comm: \"lw-int-.*\"\n"));
  const std::map<std::string, std::string> me{{"pid", std::to_string(hold.pid())}};
  // PSS comes from the budgeted smaps_rollup read; wait until it is there.
  REQUIRE(wait_until(
      [&] { return find_sample(d.scrape(), "leakwatch_process_pss_bytes", me).has_value(); }, 20s));
  const auto m = d.scrape();
  const double anon = status_kib(hold.pid(), "RssAnon");
  const double rss = status_kib(hold.pid(), "VmRSS");
  CHECK(find_sample(m, "leakwatch_process_resident_anon_bytes", me).value_or(-1) ==
        Approx(anon).margin(1 << 20));
  CHECK(anon >= 64.0 * (1 << 20));
  CHECK(find_sample(m, "leakwatch_process_resident_bytes", me).value_or(-1) ==
        Approx(rss).margin(1 << 20));
  CHECK(find_sample(m, "leakwatch_process_resident_file_bytes", me).value_or(-1) >=
        16.0 * (1 << 20));
  CHECK(find_sample(m, "leakwatch_process_open_fds", me).value_or(-1) == count_fds(hold.pid()));
  CHECK(find_sample(m, "leakwatch_process_open_fds", me).value_or(-1) >= 100);
  CHECK(find_sample(m, "leakwatch_process_max_fds", me).has_value());
  const double pss = find_sample(m, "leakwatch_process_pss_bytes", me).value_or(-1);
  CHECK(pss > 64.0 * (1 << 20));
  CHECK(pss <= rss + (1 << 20));
  CHECK(find_sample(m, "leakwatch_process_uss_bytes", me).value_or(-1) > 64.0 * (1 << 20));
  if (thp_available()) {
    CHECK(find_sample(m, "leakwatch_process_anon_hugepages_bytes", me).value_or(-1) >=
          4.0 * (1 << 20));
  } else {
    WARN("transparent huge pages disabled on this host: AnonHugePages not checked");
  }
  CHECK(find_sample(m, "leakwatch_process_info",
                    {{"pid", std::to_string(hold.pid())}, {"comm", "lw-int-hold"}}) == 1.0);
  CHECK(find_sample(m, "leakwatch_group_processes", {{"group", "lw-int-hold"}}) == 1.0);
  CHECK(find_sample(m, "leakwatch_system_memory_available_bytes").value_or(0) > 0);
  CHECK(find_sample(m, "leakwatch_smaps_reads_total").value_or(0) >= 1);
  CHECK(find_sample(m, "leakwatch_processes_scanned").value_or(0) >= 2);
  CHECK(find_sample(m, "leakwatch_build_info").has_value());
}

TEST_CASE("daemon: hostile process names keep the exposition valid", "[integration]") {
  const std::vector<std::string> names{"q\"uote",      "back\\slash",     "new\nline",
                                       "paren) R 1 (", "bad\xff\xfeutf8", "<script>"};
  std::vector<Child> kids;
  for (const auto& n : names) {
    kids.push_back(start_workload({"--mode", "hold", "--name", n, "--base", "1"}));
  }
  // Track every one of them (an include rule on the workload's exe, so that on a host with more
  // than top_k bigger processes they are still exported) so their names become label values.
  const std::string exe = workload_path();
  REQUIRE(exe.find_first_of(".*+?()[]{}|^$\\") == std::string::npos);
  Daemon d(fast_config_yaml("export:\n  include:\n    - exe: \"" + exe + "\"\n"));
  REQUIRE(d.wait_scans(2, 20s));
  const auto body = d.get("/metrics");
  REQUIRE(body);
  const auto samples = parse_exposition(*body);
  for (const auto& k : kids) {
    INFO("pid " << k.pid());
    CHECK(find_sample(samples, "leakwatch_process_resident_bytes",
                      {{"pid", std::to_string(k.pid())}}));
  }
  CHECK(find_sample(samples, "leakwatch_process_info", {{"comm", "q\"uote"}}));
  CHECK(find_sample(samples, "leakwatch_process_info", {{"comm", "new?line"}}));
  CHECK(find_sample(samples, "leakwatch_process_info",
                    {{"comm", "bad\xEF\xBF\xBD\xEF\xBF\xBDutf8"}}));
  CHECK(duplicate_series(samples).empty());
  CHECK(promtool_check(*body).empty());
  // The status page escapes them.
  const auto page = d.get("/");
  REQUIRE(page);
  CHECK(page->find("<script>") == std::string::npos);
}

TEST_CASE("daemon: health, reload and stop", "[integration]") {
  Daemon d(fast_config_yaml());
  REQUIRE(d.wait_scans(1, 20s));
  int status = 0;
  CHECK(d.get("/healthz", &status));
  CHECK(status == 200);
  CHECK(find_sample(d.scrape(), "leakwatch_config_last_reload_successful") == 1.0);

  // An invalid config on SIGHUP keeps the old one and says so in the metric.
  d.dir().file("leakwatch.yaml", "scan:\n  interval: banana\n");
  ::kill(d.process().pid(), SIGHUP);
  CHECK(wait_until(
      [&] { return find_sample(d.scrape(), "leakwatch_config_last_reload_successful") == 0.0; },
      10s));
  const double before = find_sample(d.scrape(), "leakwatch_scans_total").value_or(0);
  CHECK(d.wait_scans(before + 2, 10s));  // still scanning with the old config

  // A valid one is applied and the flag returns to 1.
  d.dir().file("leakwatch.yaml", fast_config_yaml());
  ::kill(d.process().pid(), SIGHUP);
  CHECK(wait_until(
      [&] { return find_sample(d.scrape(), "leakwatch_config_last_reload_successful") == 1.0; },
      10s));

  const auto t0 = std::chrono::steady_clock::now();
  const auto st = d.process().stop(SIGTERM, 5s);
  const auto took = std::chrono::steady_clock::now() - t0;
  REQUIRE(st);
  CHECK(WIFEXITED(*st));
  CHECK(WEXITSTATUS(*st) == 0);
  CHECK(took < 1s);
}

TEST_CASE("daemon: startup errors are clear and fatal", "[integration]") {
  SECTION("port in use") {
    Daemon first(fast_config_yaml());
    FakeRoot tmp;
    tmp.file("c.yaml", fast_config_yaml());
    Child second = Child::spawn({daemon_path(), "--config", (tmp / "c.yaml").string(), "--listen",
                                 "127.0.0.1:" + std::to_string(first.port())});
    REQUIRE(wait_until([&] { return second.poll_exit().has_value(); }, 10s));
    CHECK(WEXITSTATUS(*second.poll_exit()) != 0);
    second.drain();
    CHECK(second.output().find("cannot start") != std::string::npos);
  }
  SECTION("missing procfs root") {
    FakeRoot tmp;
    tmp.file("c.yaml", fast_config_yaml());
    Child c = Child::spawn({daemon_path(), "--config", (tmp / "c.yaml").string(), "--proc-root",
                            (tmp / "nope").string()});
    REQUIRE(wait_until([&] { return c.poll_exit().has_value(); }, 10s));
    CHECK(WEXITSTATUS(*c.poll_exit()) != 0);
  }
  SECTION("TLS configured") {
    FakeRoot tmp;
    tmp.file("c.yaml", fast_config_yaml("  tls_server_config:\n    cert_file: /x\n"));
    const auto [rc, out] =
        run_command(daemon_path() + " --check-config " + (tmp / "c.yaml").string());
    CHECK(rc != 0);
    CHECK(out.find("TLS") != std::string::npos);
    CHECK(out.find("c.yaml:") != std::string::npos);
  }
}

TEST_CASE("daemon: --check-config names file:line:col", "[integration]") {
  FakeRoot tmp;
  tmp.file("bad.yaml", "scan:\n  interval: 10s\n  colour: blue\n");
  const auto [rc, out] =
      run_command(daemon_path() + " --check-config " + (tmp / "bad.yaml").string());
  CHECK(rc != 0);
  CHECK(out.find("bad.yaml:3:3") != std::string::npos);
  tmp.file("good.yaml", "scan:\n  interval: 5s\n");
  CHECK(run_command(daemon_path() + " --check-config " + (tmp / "good.yaml").string()).first == 0);
}

TEST_CASE("daemon: --once prints a report without a config file", "[integration]") {
  const auto [rc, out] = run_command(daemon_path() + " --once");
  CHECK(rc == 0);
  CHECK(out.find("TOP PROCESSES BY PRIVATE MEMORY") != std::string::npos);
  CHECK(out.find("Host memory") != std::string::npos);
  const auto [rc2, prom] = run_command(daemon_path() + " --once --format prometheus");
  CHECK(rc2 == 0);
  CHECK(promtool_check(prom).empty());
  const auto [rc3, json] =
      run_command(daemon_path() + " --once --format json | python3 -m json.tool");
  CHECK(rc3 == 0);
  // As an unprivileged user it still works and says what it could not read.
  const auto [rc4, nobody] = run_command("setpriv --reuid=65534 --regid=65534 --clear-groups " +
                                         daemon_path() + " --once");
  CHECK(rc4 == 0);
  CHECK(nobody.find("not permitted") != std::string::npos);
}
