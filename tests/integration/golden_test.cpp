// The whole daemon over checked-in fixture trees (v1, v2 and hybrid cgroup layouts): its
// exposition is compared whole with tests/golden/<layout>.prom, must pass promtool and must not
// repeat a series. LW_UPDATE_GOLDEN=1 rewrites the golden files (review the diff!).

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include <catch2/catch.hpp>

#include "support/daemon.h"

using namespace lw::testing;
namespace fs = std::filesystem;

namespace {

// Values that depend on the machine or the moment, not on the fixture: replaced by a marker.
std::string normalise(const std::string& text) {
  static const char* const kVolatile[] = {
      "leakwatch_scan_duration_seconds", "leakwatch_scan_phase_seconds_total",
      "leakwatch_daemon_cpu_seconds_total", "leakwatch_smaps_read_seconds_total",
      "leakwatch_store_bytes"};
  std::istringstream in(text);
  std::ostringstream out;
  std::string line;
  while (std::getline(in, line)) {
    bool vol = false;
    for (const char* v : kVolatile) {
      vol = vol || (line.rfind(v, 0) == 0);
    }
    if (vol) {
      line = line.substr(0, line.rfind(' ')) + " <volatile>";
    }
    out << line << "\n";
  }
  return out.str();
}

std::set<std::string> families(const std::string& text) {
  std::set<std::string> out;
  for (const auto& s : parse_exposition(text)) {
    out.insert(s.name);
  }
  return out;
}

// The fixture trees' services hold processes: a cgroup's process count comes from the scan's
// processes (/proc/PID/cgroup), so each member is the fixture process 5654 copied under its own
// pid, with its cgroup file pointing there (v1 memory hierarchy and v2 unified path alike).
void add_member(const FakeRoot& root, int pid, const std::string& cgroup) {
  const std::string id = std::to_string(pid);
  const fs::path dir = root / ("proc/" + id);
  fs::copy(root / "proc/5654", dir, fs::copy_options::recursive);
  for (const char* name : {"stat", "status"}) {
    std::string text = read_file(dir / name);
    for (auto at = text.find("5654"); at != std::string::npos; at = text.find("5654", at)) {
      text.replace(at, 4, id);
    }
    std::ofstream(dir / name) << text;
  }
  std::ofstream(dir / "cgroup") << "4:memory:" << cgroup << "\n0::" << cgroup << "\n";
}

std::string exposition_for(const std::string& layout) {
  FakeRoot root;
  const fs::path fixtures = LW_FIXTURES_DIR;
  fs::copy(fixtures / "proc", root / "proc", fs::copy_options::recursive);
  add_member(root, 977, "/system.slice/idle.service");
  add_member(root, 4242, "/system.slice/leaky.service");
  add_member(root, 4243, "/system.slice/leaky.service");
  fs::create_directories(root / "proc/self");
  fs::copy_file(fixtures / layout / "proc/self/mountinfo", root / "proc/self/mountinfo");
  root.file("c.yaml", "scan:\n  kmsg: false\n");
  const auto [rc, out] =
      run_command(daemon_path() + " --once --format prometheus --config " +
                  (root / "c.yaml").string() + " --proc-root " + (root / "proc").string() +
                  " --sys-root " + (fixtures / layout / "sys").string() + " 2>/dev/null");
  REQUIRE(rc == 0);
  return out;
}

}  // namespace

TEST_CASE("golden: the daemon's exposition over each fixture tree", "[integration][golden]") {
  const std::string layout = GENERATE("v1", "v2", "hybrid");
  INFO("layout " << layout);
  const std::string text = exposition_for(layout);
  CHECK(duplicate_series(parse_exposition(text)).empty());
  {
    FakeRoot tmp;
    tmp.file("m.prom", text);
    const auto [rc, out] = run_command("promtool check metrics < " + (tmp / "m.prom").string());
    INFO(out);
    CHECK(rc == 0);
  }
  CHECK(find_sample(parse_exposition(text), "leakwatch_cgroup_layout", {{"layout", layout}}));
  const fs::path golden = fs::path(LW_GOLDEN_DIR) / (layout + ".prom");
  const std::string got = normalise(text);
  if (std::getenv("LW_UPDATE_GOLDEN") != nullptr) {  // NOLINT(concurrency-mt-unsafe)
    std::ofstream(golden) << got;
  }
  CHECK(got == read_file(golden));
}

TEST_CASE("golden: v1 and v2 give the same cgroup metric families", "[integration][golden]") {
  const auto v1 = families(exposition_for("v1"));
  const auto v2 = families(exposition_for("v2"));
  std::set<std::string> v1_cg;
  std::set<std::string> v2_cg;
  for (const auto& f : v1) {
    if (f.rfind("leakwatch_cgroup_memory_", 0) == 0 || f == "leakwatch_cgroup_oom_kills_total") {
      v1_cg.insert(f);
    }
  }
  for (const auto& f : v2) {
    if (f.rfind("leakwatch_cgroup_memory_", 0) == 0 || f == "leakwatch_cgroup_oom_kills_total") {
      v2_cg.insert(f);
    }
  }
  // PSI exists only on v2: it is the one family v1 cannot have.
  v2_cg.erase("leakwatch_cgroup_memory_pressure_stalled_seconds_total");
  v2_cg.erase("leakwatch_cgroup_memory_pressure_waiting_seconds_total");
  CHECK(v1_cg == v2_cg);
  CHECK(v1_cg.count("leakwatch_cgroup_memory_working_set_bytes") == 1);
  CHECK(v1_cg.count("leakwatch_cgroup_memory_limit_bytes") == 1);
}
