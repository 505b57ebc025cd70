#pragma once

// bcrypt hashes for the auth tests, cost 4 (the minimum) so each check takes ~1 ms.
// Made with crypt_gensalt_rn("$2b$", 4, ...) and crypt_r from libxcrypt.

namespace lw::testing {

inline constexpr const char* kAlicePassword = "s3cret";
inline constexpr const char* kAliceHash =
    "$2b$04$hr7IBKNZLXOXCAPnhjVq/e.w9c8QZMzCIjYp6WMgYOlR.co/NrV2i";
inline constexpr const char* kBobPassword = "other pass";
inline constexpr const char* kBobHash =
    "$2b$04$TDOMdB1tso1zXdj.nVQkLu4SamUm1ot602U1SlNGip.Zbm9Fsh5E6";

}  // namespace lw::testing
