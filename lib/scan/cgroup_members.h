#pragma once

// How many of a scan's processes each sampled cgroup holds, from the processes' own memory-cgroup
// paths (ProcessSample::cgroup, the same namespace-resolved form as CgroupSample::path). This
// replaces reading every cgroup's cgroup.procs each scan: the kernel builds, sorts and prints the
// whole pid list for that (1.2 ms for a cgroup of 2,000 processes, on every scan), only to tell us
// what the process scan already knows. Counts are of the processes the scan sampled: kernel
// threads (in the root cgroup) and processes that could not be read are not counted, and a process
// moved to another cgroup counts in the new one once its cgroup path is re-read (the sampler's
// identity refresh).

#include <span>
#include <vector>

#include "model/snapshot.h"

namespace lw::scan {

// Sets CgroupSample::processes of every cgroup in `cgroups` from `processes`.
void count_members(std::span<const model::ProcessSample> processes,
                   std::vector<model::CgroupSample>& cgroups);

}  // namespace lw::scan
