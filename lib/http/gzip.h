#pragma once

// Response compression for scrapers that send "Accept-Encoding: gzip" (Prometheus does).

#include <optional>
#include <string>
#include <string_view>

namespace lw::http {

// True when the Accept-Encoding header value accepts gzip (RFC 9110 §12.5.3: a "gzip", "x-gzip"
// or "*" coding whose q-value is not 0). A missing header is "".
bool accepts_gzip(std::string_view accept_encoding);

// The gzip member (RFC 1952) of `data`; nullopt if zlib fails (the caller then sends identity).
std::optional<std::string> gzip_compress(std::string_view data);

}  // namespace lw::http
