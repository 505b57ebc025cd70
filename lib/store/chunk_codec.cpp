#include "store/chunk_codec.h"

namespace lw::store::series_detail {

bool read_summary_channel(const std::uint8_t* p, const std::uint8_t* end, std::size_t c,
                          bool& found, std::uint64_t& lo, std::uint64_t& hi) {
  found = false;
  if (p == end) {
    return false;
  }
  const unsigned present = *p++;
  for (std::size_t i = 0; i < 8; ++i) {
    if ((present & (1U << i)) == 0) {
      continue;
    }
    const auto mn = varint::get_u64(p, end);
    const auto span = mn ? varint::get_u64(p, end) : std::nullopt;
    if (!span) {
      return false;
    }
    if (i == c) {
      found = true;
      lo = *mn;
      hi = *mn + *span;
      return true;
    }
  }
  return true;
}

}  // namespace lw::store::series_detail
