#pragma once

// SHA-256 from libcrypto (OpenSSL's EVP interface). Used only to key the basic-auth cache by a
// digest of the password, so the plaintext is never kept in memory after a request
// (exporter-toolkit keeps the same tuple).

#include <array>
#include <cstdint>
#include <new>
#include <string_view>

#include <openssl/evp.h>

namespace lw::http {

using Sha256Digest = std::array<std::uint8_t, 32>;

inline Sha256Digest sha256(std::string_view data) {
  Sha256Digest digest{};
  unsigned int length = 0;
  // EVP_Digest fails only when OpenSSL cannot allocate. Throw rather than return a dummy digest
  // that two passwords could share in the cache; the server answers that request 500.
  if (EVP_Digest(data.data(), data.size(), digest.data(), &length, EVP_sha256(), nullptr) != 1 ||
      length != digest.size()) {
    throw std::bad_alloc();
  }
  return digest;
}

}  // namespace lw::http
