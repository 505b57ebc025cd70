#pragma once

// SHA-256 (FIPS 180-4). Used only to key the basic-auth cache by a digest of the password, so the
// plaintext is never kept in memory after a request (exporter-toolkit keeps the same tuple).

#include <array>
#include <cstdint>
#include <string_view>

namespace lw::http {

using Sha256Digest = std::array<std::uint8_t, 32>;

Sha256Digest sha256(std::string_view data);

}  // namespace lw::http
