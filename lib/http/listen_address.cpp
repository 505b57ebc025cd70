#include "http/listen_address.h"

#include <array>
#include <cerrno>
#include <optional>
#include <string>

#include <arpa/inet.h>
#include <sys/socket.h>

#include "base/text.h"
#include "http/server.h"

namespace lw::http {
namespace {

std::optional<std::uint8_t> parse_octet(std::string_view s) {
  if (s.empty() || s.size() > 3 || (s.size() > 1 && s[0] == '0')) {
    return std::nullopt;  // no leading zeros: "010" is octal to some parsers
  }
  const auto v = text::parse_int<unsigned>(s);
  if (!v || *v > 255) {
    return std::nullopt;
  }
  return static_cast<std::uint8_t>(*v);
}

// Dotted quad, host byte order.
std::optional<std::uint32_t> parse_ipv4(std::string_view s) {
  std::uint32_t address = 0;
  for (int i = 0; i < 4; ++i) {
    const auto dot = s.find('.');
    const std::string_view part = i < 3 ? s.substr(0, dot) : s;
    const auto octet = parse_octet(part);
    if ((i < 3 && dot == std::string_view::npos) || !octet) {
      return std::nullopt;
    }
    address = (address << 8) | *octet;
    if (i < 3) {
      s.remove_prefix(dot + 1);
    }
  }
  return address;
}

}  // namespace

Result<Ipv4Cidr> parse_ipv4_cidr(std::string_view cidr) {
  const auto slash = cidr.find('/');
  const auto address = parse_ipv4(cidr.substr(0, slash));
  if (!address) {
    return Error{ErrorKind::kMalformed, "invalid allow entry '" + std::string(cidr) +
                                            "': expected an IPv4 address or CIDR"};
  }
  unsigned prefix = 32;
  if (slash != std::string_view::npos) {
    const std::string_view bits = cidr.substr(slash + 1);
    const auto parsed = text::parse_int<unsigned>(bits);
    if (!parsed || *parsed > 32 || (bits.size() > 1 && bits[0] == '0')) {
      return Error{ErrorKind::kMalformed,
                   "invalid allow entry '" + std::string(cidr) + "': prefix must be 0..32"};
    }
    prefix = *parsed;
  }
  const std::uint32_t mask = prefix == 0 ? 0 : ~std::uint32_t{0} << (32 - prefix);
  return Ipv4Cidr{*address & mask, mask};
}

Result<sockaddr_in> parse_listen_address(std::string_view listen) {
  const auto bad = [&](std::string_view why) {
    return Error{ErrorKind::kMalformed,
                 "invalid listen address '" + std::string(listen) + "': " + std::string(why)};
  };
  const auto colon = listen.rfind(':');
  if (colon == std::string_view::npos) {
    return bad("expected IPv4:PORT, e.g. 127.0.0.1:9847");
  }
  const std::string_view host = listen.substr(0, colon);
  const std::string_view port = listen.substr(colon + 1);
  const auto address = host.empty() ? std::optional<std::uint32_t>(INADDR_ANY) : parse_ipv4(host);
  if (!address) {
    return bad("the host must be an IPv4 address (no IPv6, no host names)");
  }
  const auto port_number = text::parse_int<std::uint16_t>(port);
  if (!port_number) {
    return bad("the port must be a number from 0 to 65535 (TLS is not supported: use a proxy)");
  }
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(*port_number);
  addr.sin_addr.s_addr = htonl(*address);
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
