// ProcessSampler's values that are not read every scan: the boot time (again when the wall clock
// steps) and /proc/<pid>/limits (on a schedule that follows the fd count).
#include <chrono>
#include <string>

#include <catch2/catch.hpp>

#include "scan/process_fixture.h"
#include "scan/process_sampler.h"
#include "support/fake_root.h"

using namespace lw;
using namespace lw::scan;
using namespace lw::scan::process_fixture;

TEST_CASE("sampler: boot time is read again when the wall clock steps", "[scan][sampler]") {
  // NTP's first sync after start steps the wall clock; the kernel's btime (wall - boottime) moves
  // with it. Before the fix btime was read once, so every start time and age stayed shifted.
  testing::FakeRoot root;
  base_root(root);
  process(root, {.pid = 100, .comm = "web", .start_ticks = 5000});
  double wall_minus_boot = 1700000000.3;
  ProcessSampler sampler(
      ProcessSamplerOptions{.proc_root = (root / "proc").string(),
                            .wall_minus_boot = [&wall_minus_boot] { return wall_minus_boot; }});
  REQUIRE(sampler.open().has_value());
  CHECK(sample_once(sampler).processes.at(0).start_time_seconds == Approx(1700000050.0));

  // Drift below a second (slewing, rounding): btime is not read again.
  root.file("proc/stat", "cpu  1 2 3 4\nbtime 1700000001\n");
  wall_minus_boot += 0.5;
  const Sampled slewed = sample_once(sampler);
  CHECK(slewed.processes.at(0).start_time_seconds == Approx(1700000050.0));
  CHECK(slewed.stats.boot_time_rereads == 0);

  // The clock steps forward by an hour.
  root.file("proc/stat", "cpu  1 2 3 4\nbtime 1700003600\n");
  wall_minus_boot += 3600;
  const Sampled stepped = sample_once(sampler);
  CHECK(stepped.processes.at(0).start_time_seconds == Approx(1700003650.0));
  CHECK(stepped.stats.boot_time_rereads == 1);
  CHECK(sampler.boot_time_seconds() == 1700003600u);
  CHECK(sample_once(sampler).stats.boot_time_rereads == 0);  // once per step, not every scan
}

TEST_CASE("sampler: limits are re-read each limits_interval while fds move, 10x later otherwise",
          "[scan][sampler]") {
  testing::FakeRoot root;
  base_root(root);
  process(root, {.pid = 100, .comm = "svc", .start_ticks = 5000}, 2048, 3);
  const auto limits = [&](int soft) {
    root.file("proc/100/limits",
              "Limit                     Soft Limit           Hard Limit           Units     \n"
              "Max open files            " +
                  std::to_string(soft) + "                 524288               files     \n");
  };
  limits(1024);
  ProcessSampler sampler(ProcessSamplerOptions{.proc_root = (root / "proc").string(),
                                               .limits_interval = std::chrono::seconds(60)});
  REQUIRE(sampler.open().has_value());
  const auto max_fds_at = [&](int seconds) {
    const Sampled s = sample_once(sampler, kNow + std::chrono::seconds(seconds));
    REQUIRE(s.processes.size() == 1);
    return s.processes[0].max_fds;
  };
  CHECK(max_fds_at(0) == 1024u);  // first sight
  limits(2048);                   // prlimit(1) raised it; the fd count stays 3
  CHECK(max_fds_at(60) == 1024u);
  CHECK(max_fds_at(590) == 1024u);
  CHECK(max_fds_at(600) == 2048u);  // 10 x limits_interval
  limits(4096);
  root.file("proc/100/fd/3", "");  // the fd count moves: back to limits_interval
  CHECK(max_fds_at(630) == 2048u);
  CHECK(max_fds_at(660) == 4096u);
}
