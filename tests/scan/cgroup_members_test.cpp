// count_members (scan/cgroup_members.h): a cgroup's process count comes from the scan's own
// processes, not from cgroup.procs.

#include "scan/cgroup_members.h"

#include <string>
#include <vector>

#include <catch2/catch.hpp>

namespace lw::scan {
namespace {

model::ProcessSample process_in(int pid, std::string cgroup) {
  model::ProcessSample p;
  p.id = {pid, 1};
  p.cgroup = std::move(cgroup);
  return p;
}

model::CgroupSample cgroup_at(std::string path, std::uint32_t stale_count) {
  model::CgroupSample c;
  c.path = std::move(path);
  c.processes = stale_count;  // whatever was there is replaced
  return c;
}

TEST_CASE("cgroup members: each cgroup counts the scan's processes whose cgroup it is",
          "[scan][cgroup]") {
  const std::vector<model::ProcessSample> processes = {
      process_in(1, "/init.scope"),
      process_in(100, "/system.slice/nginx.service"),
      process_in(101, "/system.slice/nginx.service"),
      process_in(102, "/system.slice/nginx.service/worker"),  // its own cgroup, not its parent's
      process_in(200, ""),                                    // cgroup unknown: counted nowhere
      process_in(300, "/deeper/than/max_depth"),              // not a sampled cgroup
      process_in(400, "/"),
  };
  std::vector<model::CgroupSample> cgroups = {
      cgroup_at("/", 9),
      cgroup_at("/init.scope", 9),
      cgroup_at("/system.slice", 9),
      cgroup_at("/system.slice/nginx.service", 9),
      cgroup_at("/system.slice/nginx.service/worker", 9),
      cgroup_at("/user.slice", 9),
  };
  count_members(processes, cgroups);
  CHECK(cgroups[0].processes == 1);  // only the process listed in "/" itself, as cgroup.procs
  CHECK(cgroups[1].processes == 1);
  CHECK(cgroups[2].processes == 0);  // not hierarchical: a slice with only child cgroups holds 0
  CHECK(cgroups[3].processes == 2);
  CHECK(cgroups[4].processes == 1);
  CHECK(cgroups[5].processes == 0);
}

TEST_CASE("cgroup members: no processes, or no cgroups", "[scan][cgroup]") {
  std::vector<model::CgroupSample> cgroups = {cgroup_at("/a", 3)};
  count_members({}, cgroups);
  CHECK(cgroups[0].processes == 0);
  std::vector<model::CgroupSample> none;
  count_members(std::vector<model::ProcessSample>{process_in(1, "/a")}, none);
  CHECK(none.empty());
}

}  // namespace
}  // namespace lw::scan
