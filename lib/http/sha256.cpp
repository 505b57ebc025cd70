#include "http/sha256.h"

#include <gcrypt.h>

namespace lw::http {

namespace {

// libgcrypt wants the application to initialise it before first use. Secure memory is for keys
// that must not reach swap; a digest of a password kept only as a cache key does not need it, and
// it would mlock pages. A function-local static makes this once and thread-safe.
bool init_gcrypt() {
  gcry_check_version(nullptr);
  gcry_control(GCRYCTL_DISABLE_SECMEM, 0);
  gcry_control(GCRYCTL_INITIALIZATION_FINISHED, 0);
  return true;
}

}  // namespace

Sha256Digest sha256(std::string_view data) {
  static const bool initialised = init_gcrypt();
  (void)initialised;
  Sha256Digest digest{};
  static_assert(sizeof(Sha256Digest) == 32);
  gcry_md_hash_buffer(GCRY_MD_SHA256, digest.data(), data.data(), data.size());
  return digest;
}

}  // namespace lw::http
