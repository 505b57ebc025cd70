#pragma once

// SHA-256 from libgcrypt. Used only to key the basic-auth cache by a digest of the password, so
// the plaintext is never kept in memory after a request (exporter-toolkit keeps the same tuple).
// libgcrypt rather than OpenSSL's libcrypto: libsystemd already maps libgcrypt into the daemon,
// while libcrypto's load alone (its relocations and symbol tables) was ~1.4 MiB of the daemon's
// RSS for this one function.

#include <array>
#include <cstdint>
#include <string_view>

namespace lw::http {

using Sha256Digest = std::array<std::uint8_t, 32>;

// Thread-safe; the first call initialises libgcrypt (without secure memory).
Sha256Digest sha256(std::string_view data);

}  // namespace lw::http
