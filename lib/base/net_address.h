#pragma once

// The one parser for the IPv4 addresses a user writes: web.listen ("IP:PORT" or ":PORT") and the
// web.allow list ("a.b.c.d/nn"). Config validation and the HTTP server both call these, so a value
// that passes validation is one the server can start with. Addresses go through inet_pton, which
// takes exactly four decimal octets 0..255 without leading zeros (some tools read "010" as octal).
// IPv4 only: the HTTP server listens on IPv4 (lib/http/listen_address).

#include <cstdint>
#include <string>
#include <string_view>

#include "base/result.h"

namespace lw::net {

struct Ipv4Address {
  std::uint32_t host_order = 0;  // 10.0.0.1 is 0x0a000001

  std::string to_string() const;  // dotted quad
  bool operator==(const Ipv4Address&) const = default;
};

struct Ipv4Cidr {
  Ipv4Address address;
  std::uint8_t prefix_length = 0;  // 0..32

  std::string to_string() const;  // "a.b.c.d/nn"
  bool operator==(const Ipv4Cidr&) const = default;
};

struct ListenAddress {
  Ipv4Address host;  // 0.0.0.0 when the text had no host (all interfaces)
  std::uint16_t port = 0;

  std::string to_string() const;  // "a.b.c.d:port"
  bool operator==(const ListenAddress&) const = default;
};

// "10.0.0.1". Errors are kMalformed: "'<text>' is not an IPv4 address".
Result<Ipv4Address> parse_ipv4(std::string_view text);

// "10.0.0.0/8": an address, '/', and a prefix length 0..32 in decimal without a leading zero.
// The prefix is required. Errors are kMalformed: "'<text>' is not an IPv4 CIDR".
Result<Ipv4Cidr> parse_ipv4_cidr(std::string_view text);

// "127.0.0.1:9847" or ":9847" (all interfaces); the port is 0..65535 in at most five digits.
// Errors are kMalformed and say what is wrong: "IPv6 is not supported: ...", "'<text>' has no
// port", "'<port>' is not a port", "host '<host>' is not an IPv4 address". Host names (even
// "localhost") are not resolved here: the server binds numeric addresses only.
Result<ListenAddress> parse_listen_address(std::string_view text);

}  // namespace lw::net
