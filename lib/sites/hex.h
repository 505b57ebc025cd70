#pragma once

// Internal to lib/sites: "0x1f2e" for addresses and offsets in names and messages.

#include <array>
#include <charconv>
#include <cstdint>
#include <string>

namespace lw::sites::detail {

inline std::string hex(std::uint64_t v, bool prefix = true) {
  std::array<char, 16> digits{};
  const auto res = std::to_chars(digits.data(), digits.data() + digits.size(), v, 16);
  std::string out = prefix ? "0x" : "";
  out.append(digits.data(), res.ptr);
  return out;
}

}  // namespace lw::sites::detail
