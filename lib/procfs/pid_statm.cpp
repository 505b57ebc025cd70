#include "procfs/pid_statm.h"

#include "base/text.h"

namespace lw::procfs {

Result<PidStatm> parse_pid_statm(std::string_view text) {
  std::string_view rest = text::trim(text);
  const auto size = text::parse_u64(text::next_token(rest));
  const auto resident = text::parse_u64(text::next_token(rest));
  const auto shared = text::parse_u64(text::next_token(rest));
  if (!size || !resident || !shared) {
    return malformed("statm: expected three page counts");
  }
  return PidStatm{.size_pages = *size, .resident_pages = *resident, .shared_pages = *shared};
}

}  // namespace lw::procfs
