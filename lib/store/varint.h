#pragma once

// LEB128 varints and zigzag signed integers: the byte format of everything the store
// serialises (series chunks, the time index, snapshot payloads). Public so the layer that
// maps scans onto the store can serialise its own metadata (comm, cgroup path, ...) in the
// same style. Little-endian base-128, 1 to 10 bytes per value; small numbers are short.
//
// Readers take a cursor (`std::string_view&` or a pointer pair) and advance it only on
// success. They never read past the end and never throw: truncated input or a value wider
// than 64 bits gives nullopt.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace lw::store::varint {

inline constexpr std::size_t kMaxBytes = 10;  // ceil(64 / 7)

// Zigzag maps small magnitudes of either sign to small unsigned numbers:
// 0 -> 0, -1 -> 1, 1 -> 2, -2 -> 3, ...
constexpr std::uint64_t zigzag(std::int64_t v) {
  return (static_cast<std::uint64_t>(v) << 1) ^ static_cast<std::uint64_t>(v >> 63);
}
constexpr std::int64_t unzigzag(std::uint64_t z) {
  return static_cast<std::int64_t>((z >> 1) ^ (std::uint64_t{0} - (z & 1)));
}

// Appends v to any byte container with push_back (std::string, std::vector<std::uint8_t>).
template <typename Out>
void put_u64(Out& out, std::uint64_t v) {
  using Byte = typename Out::value_type;
  while (v >= 0x80) {
    out.push_back(static_cast<Byte>((v & 0x7F) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<Byte>(v));
}

template <typename Out>
void put_i64(Out& out, std::int64_t v) {
  put_u64(out, zigzag(v));
}

// Decodes one varint from [p, end) and advances p past it; p is unchanged on failure.
template <typename Byte>
std::optional<std::uint64_t> get_u64(const Byte*& p, const Byte* end) {
  static_assert(sizeof(Byte) == 1);
  const Byte* q = p;
  std::uint64_t v = 0;
  for (unsigned shift = 0; shift < 64; shift += 7) {
    if (q == end) {
      return std::nullopt;
    }
    const auto b = static_cast<std::uint8_t>(*q++);
    if (shift == 63 && b > 1) {  // the 10th byte may only carry bit 63, and no continuation
      return std::nullopt;
    }
    v |= static_cast<std::uint64_t>(b & 0x7F) << shift;
    if ((b & 0x80) == 0) {
      p = q;
      return v;
    }
  }
  return std::nullopt;
}

inline std::optional<std::uint64_t> get_u64(std::string_view& in) {
  const char* p = in.data();
  const auto v = get_u64(p, in.data() + in.size());
  if (v) {
    in.remove_prefix(static_cast<std::size_t>(p - in.data()));
  }
  return v;
}

inline std::optional<std::int64_t> get_i64(std::string_view& in) {
  const auto z = get_u64(in);
  if (!z) {
    return std::nullopt;
  }
  return unzigzag(*z);
}

// Length-prefixed bytes (a varint length, then the bytes), for strings such as comm.
inline void put_bytes(std::string& out, std::string_view bytes) {
  put_u64(out, bytes.size());
  out.append(bytes);
}

// Returns a view into `in` (no copy); `in` is unchanged on failure.
inline std::optional<std::string_view> get_bytes(std::string_view& in) {
  std::string_view rest = in;
  const auto n = get_u64(rest);
  if (!n || *n > rest.size()) {
    return std::nullopt;
  }
  const std::string_view bytes = rest.substr(0, static_cast<std::size_t>(*n));
  rest.remove_prefix(bytes.size());
  in = rest;
  return bytes;
}

}  // namespace lw::store::varint
