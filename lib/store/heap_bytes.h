#pragma once

// How many bytes one heap allocation really costs, for the store's memory accounting
// (leakwatch_store_bytes). Counting only the requested size under-reports small blocks: glibc
// malloc adds an 8-byte chunk header, rounds up to 16 and never hands out less than 32 bytes.
// Other allocators differ a little; this is an estimate of the right order, not an exact figure.

#include <cstddef>

namespace lw::store {

constexpr std::size_t heap_block_bytes(std::size_t requested) {
  if (requested == 0) {
    return 0;  // an empty std::vector/std::string (beyond SSO) allocates nothing
  }
  const std::size_t chunk = (requested + 8 + 15) & ~std::size_t{15};
  return chunk < 32 ? 32 : chunk;
}

}  // namespace lw::store
