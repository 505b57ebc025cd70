#pragma once

// IPv4 listen addresses and allow-list entries, as the server binds and matches them.
// (The declarations the daemon and config validation use, normalize_listen_address and
// validate_ipv4_cidr, are in server.h.)

#include <cstdint>
#include <string_view>

#include <netinet/in.h>

#include "base/fd.h"
#include "base/result.h"

namespace lw::http {

struct Ipv4Cidr {
  std::uint32_t network = 0;  // host byte order, already masked
  std::uint32_t mask = 0;

  bool contains(std::uint32_t address) const { return (address & mask) == network; }
};

// "10.0.0.0/8" or "10.1.2.3" (= /32).
Result<Ipv4Cidr> parse_ipv4_cidr(std::string_view cidr);

// "IPv4:PORT" or ":PORT" (= 0.0.0.0), as a socket address.
Result<sockaddr_in> parse_listen_address(std::string_view listen);

// A non-blocking listening TCP socket bound to `address`. The error detail starts with
// "address in use or invalid".
Result<UniqueFd> listen_tcp(const sockaddr_in& address, int backlog);

}  // namespace lw::http
