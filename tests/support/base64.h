#pragma once

// RFC 4648 base64 for test credentials (Basic auth headers), by libcrypto's EVP_EncodeBlock.

#include <string>
#include <string_view>

namespace lw::testing {

std::string base64(std::string_view in);

// "Basic <base64(user:password)>", an Authorization header's value.
std::string basic_authorization(std::string_view user, std::string_view password);

}  // namespace lw::testing
