#include "http/gzip.h"

#include <cstring>
#include <limits>

#include <zlib.h>

#include "base/text.h"

namespace lw::http {
namespace {

// q-value of one coding's parameters (";q=0.5"); 1 when absent, 0 when malformed.
double q_value(std::string_view params) {
  while (!params.empty()) {
    const auto semi = params.find(';');
    const std::string_view param = text::trim(params.substr(0, semi));
    params = semi == std::string_view::npos ? std::string_view{} : params.substr(semi + 1);
    const auto kv = text::split_once(param, '=');
    if (kv && text::iequals(text::trim(kv->first), "q")) {
      const auto q = text::parse_decimal(text::trim(kv->second));
      return q ? *q : 0;
    }
  }
  return 1;
}

}  // namespace

bool accepts_gzip(std::string_view accept_encoding) {
  std::optional<double> gzip_q;
  std::optional<double> star_q;
  while (!accept_encoding.empty()) {
    const auto comma = accept_encoding.find(',');
    const std::string_view item = accept_encoding.substr(0, comma);
    accept_encoding =
        comma == std::string_view::npos ? std::string_view{} : accept_encoding.substr(comma + 1);
    const auto semi = item.find(';');
    const std::string_view coding = text::trim(item.substr(0, semi));
    const double q = semi == std::string_view::npos ? 1.0 : q_value(item.substr(semi + 1));
    if (text::iequals(coding, "gzip") || text::iequals(coding, "x-gzip")) {
      gzip_q = q;
    } else if (coding == "*") {
      star_q = q;
    }
  }
  if (gzip_q) {
    return *gzip_q > 0;
  }
  return star_q && *star_q > 0;
}

std::optional<std::string> gzip_compress(std::string_view data) {
  if (data.size() > std::numeric_limits<uInt>::max()) {
    return std::nullopt;
  }
  z_stream zs;
  std::memset(&zs, 0, sizeof zs);
  // windowBits 15 + 16: write a gzip header and trailer instead of a zlib one.
  if (deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) !=
      Z_OK) {
    return std::nullopt;
  }
  std::string out;
  out.resize(deflateBound(&zs, static_cast<uLong>(data.size())) + 32);
  // zlib's API takes a non-const input pointer but never writes through it.
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  const int rc = deflate(&zs, Z_FINISH);
  const uLong produced = zs.total_out;
  deflateEnd(&zs);
  if (rc != Z_STREAM_END) {
    return std::nullopt;
  }
  out.resize(produced);
  return out;
}

}  // namespace lw::http
