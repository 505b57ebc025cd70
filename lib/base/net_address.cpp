#include "base/net_address.h"

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include <arpa/inet.h>
#include <netinet/in.h>

#include "base/text.h"

namespace lw::net {

namespace {

constexpr std::size_t kMaxPrefixDigits = 2;
constexpr std::size_t kMaxPortDigits = 5;
constexpr std::uint64_t kMaxPrefixLength = 32;
constexpr std::uint64_t kMaxPort = 65535;

std::string quoted(std::string_view text) {
  std::string out = "'";
  out += text;
  out += '\'';
  return out;
}

// inet_pton wants a NUL-terminated string; an embedded NUL would cut the text short unseen.
bool inet_pton_accepts(int family, std::string_view text, void* out) {
  if (text.find('\0') != std::string_view::npos) {
    return false;
  }
  return ::inet_pton(family, std::string(text).c_str(), out) == 1;
}

bool is_ipv6(std::string_view host) {
  if (host.starts_with('[')) {
    return true;  // "[::1]", the URL form
  }
  std::array<unsigned char, sizeof(in6_addr)> scratch{};
  return inet_pton_accepts(AF_INET6, host, scratch.data());
}

}  // namespace

std::string Ipv4Address::to_string() const {
  in_addr addr{};
  addr.s_addr = htonl(host_order);
  std::array<char, INET_ADDRSTRLEN> buf{};
  // Cannot fail: the buffer has INET_ADDRSTRLEN bytes and the family is AF_INET.
  ::inet_ntop(AF_INET, &addr, buf.data(), static_cast<socklen_t>(buf.size()));
  return {buf.data()};
}

std::string Ipv4Cidr::to_string() const {
  return address.to_string() + "/" + std::to_string(prefix_length);
}

std::string ListenAddress::to_string() const {
  return host.to_string() + ":" + std::to_string(port);
}

Result<Ipv4Address> parse_ipv4(std::string_view text) {
  in_addr addr{};
  if (!inet_pton_accepts(AF_INET, text, &addr)) {
    return malformed(quoted(text) + " is not an IPv4 address");
  }
  return Ipv4Address{ntohl(addr.s_addr)};
}

Result<Ipv4Cidr> parse_ipv4_cidr(std::string_view text) {
  const auto bad = [&] { return malformed(quoted(text) + " is not an IPv4 CIDR"); };
  const auto parts = text::split_once(text, '/');
  if (!parts) {
    return bad();
  }
  const auto address = parse_ipv4(parts->first);
  // "08" is refused like an octet's leading zero: some tools would read it as octal.
  const std::string_view bits = parts->second;
  const auto prefix = text::parse_u64(bits);
  if (!address || !prefix || *prefix > kMaxPrefixLength || bits.size() > kMaxPrefixDigits ||
      (bits.size() > 1 && bits.front() == '0')) {
    return bad();
  }
  return Ipv4Cidr{*address, static_cast<std::uint8_t>(*prefix)};
}

Result<ListenAddress> parse_listen_address(std::string_view text) {
  const auto colon = text.rfind(':');
  const std::string_view host = colon == std::string_view::npos ? text : text.substr(0, colon);
  if (is_ipv6(text) || is_ipv6(host)) {
    return malformed("IPv6 is not supported: the server listens on IPv4 only; use an IPv4 address");
  }
  if (colon == std::string_view::npos) {
    return malformed(quoted(text) + " has no port");
  }
  const std::string_view port_text = text.substr(colon + 1);
  const auto port = text::parse_u64(port_text);
  if (!port || *port > kMaxPort || port_text.size() > kMaxPortDigits) {
    return malformed(quoted(port_text) + " is not a port");
  }
  ListenAddress out;
  out.port = static_cast<std::uint16_t>(*port);
  if (!host.empty()) {
    const auto address = parse_ipv4(host);
    if (!address) {
      return malformed("host " + quoted(host) + " is not an IPv4 address");
    }
    out.host = *address;
  }
  return out;
}

}  // namespace lw::net
