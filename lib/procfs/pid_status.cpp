#include "procfs/pid_status.h"

#include <array>
#include <string>

#include "base/keyed.h"
#include "base/text.h"

namespace lw::procfs {

namespace {

constexpr std::array<keyed::Field<PidStatus>, 6> kKibFields{{
    {"VmSize", &PidStatus::vm_size_bytes},
    {"VmRSS", &PidStatus::vm_rss_bytes},
    {"RssAnon", &PidStatus::rss_anon_bytes},
    {"RssFile", &PidStatus::rss_file_bytes},
    {"RssShmem", &PidStatus::rss_shmem_bytes},
    {"VmSwap", &PidStatus::vm_swap_bytes},
}};

// "Uid:\t1000\t1000\t1000\t1000": real, effective, saved, filesystem. All four must be ids.
std::optional<std::uint32_t> parse_real_uid(std::string_view value) {
  std::optional<std::uint32_t> real;
  for (int i = 0; i < 4; ++i) {
    const auto id = text::parse_int<std::uint32_t>(text::next_token(value));
    if (!id) {
      return std::nullopt;
    }
    if (i == 0) {
      real = id;
    }
  }
  if (!text::trim(value).empty()) {
    return std::nullopt;
  }
  return real;
}

// The kernel prints "Name:\t<name>"; the name itself may start or end with a space.
std::string_view name_value(std::string_view value) {
  if (!value.empty() && value.front() == '\t') {
    value.remove_prefix(1);
    return value;
  }
  return text::trim(value);
}

}  // namespace

Result<PidStatus> parse_pid_status(std::string_view text) {
  PidStatus out;
  bool saw_name = false;
  const Status status = keyed::parse_into(text, keyed::kProcKib, "status", kKibFields, out,
                                          [&](const keyed::Line& line) {
                                            if (line.key == "Name") {
                                              out.name = std::string(name_value(line.value));
                                              saw_name = true;
                                            } else if (line.key == "Uid") {
                                              out.real_uid = parse_real_uid(line.value);
                                              return out.real_uid.has_value();
                                            }
                                            return true;
                                          });
  if (!status) {
    return status.error();
  }
  if (!saw_name) {
    return malformed("status: no Name line");
  }
  return out;
}

}  // namespace lw::procfs
