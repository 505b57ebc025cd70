#include "procfs/vmstat.h"

#include <array>

#include "base/keyed.h"

namespace lw::procfs {

namespace {

constexpr std::array<keyed::Field<Vmstat>, 4> kFields{{
    {"oom_kill", &Vmstat::oom_kill},
    {"thp_fault_alloc", &Vmstat::thp_fault_alloc},
    {"thp_fault_fallback", &Vmstat::thp_fault_fallback},
    {"compact_stall", &Vmstat::compact_stall},
}};

}  // namespace

Result<Vmstat> parse_vmstat(std::string_view text) {
  return keyed::parse(text, keyed::kProcCounters, "vmstat", kFields);
}

}  // namespace lw::procfs
