#include "http/listen_address.h"

#include <array>
#include <cerrno>
#include <string>

#include <arpa/inet.h>
#include <sys/socket.h>

#include "base/net_address.h"
#include "http/server.h"

namespace lw::http {

Result<Ipv4Cidr> parse_ipv4_cidr(std::string_view cidr) {
  // lib/base/net_address (inet_pton, the same rules config validation uses); a bare address is
  // a /32, as the allow list has always taken it.
  const bool has_prefix = cidr.find('/') != std::string_view::npos;
  std::uint32_t address = 0;
  unsigned prefix = 32;
  if (has_prefix) {
    const auto parsed = net::parse_ipv4_cidr(cidr);
    if (!parsed) {
      return Error{ErrorKind::kMalformed, "invalid allow entry: " + parsed.error().detail};
    }
    address = parsed->address.host_order;
    prefix = parsed->prefix_length;
  } else {
    const auto parsed = net::parse_ipv4(cidr);
    if (!parsed) {
      return Error{ErrorKind::kMalformed, "invalid allow entry: " + parsed.error().detail};
    }
    address = parsed->host_order;
  }
  const std::uint32_t mask = prefix == 0 ? 0 : ~std::uint32_t{0} << (32 - prefix);
  return Ipv4Cidr{address & mask, mask};
}

Result<sockaddr_in> parse_listen_address(std::string_view listen) {
  const auto parsed = net::parse_listen_address(listen);
  if (!parsed) {
    return Error{ErrorKind::kMalformed,
                 "invalid listen address '" + std::string(listen) + "': " + parsed.error().detail};
  }
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(parsed->port);
  addr.sin_addr.s_addr = htonl(parsed->host.host_order);
  return addr;
}

Result<UniqueFd> listen_tcp(const sockaddr_in& address, int backlog) {
  UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd.valid()) {
    return error_from_errno(errno, "cannot create a socket");
  }
  const int one = 1;
  ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0 ||
      ::listen(fd.get(), backlog) != 0) {
    // "address in use or invalid: Address already in use"; always kIo (a startup error).
    return Error{ErrorKind::kIo, error_from_errno(errno, "address in use or invalid").detail};
  }
  return fd;
}

Result<std::string> normalize_listen_address(std::string_view listen) {
  const auto addr = parse_listen_address(listen);
  if (!addr) {
    return addr.error();
  }
  std::array<char, INET_ADDRSTRLEN> host{};
  ::inet_ntop(AF_INET, &addr->sin_addr, host.data(), host.size());
  return std::string(host.data()) + ":" + std::to_string(ntohs(addr->sin_port));
}

Status validate_ipv4_cidr(std::string_view cidr) {
  const auto parsed = parse_ipv4_cidr(cidr);
  if (!parsed) {
    return parsed.error();
  }
  return Ok{};
}

}  // namespace lw::http
