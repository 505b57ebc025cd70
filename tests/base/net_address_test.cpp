#include "base/net_address.h"

#include <string>
#include <string_view>

#include <catch2/catch.hpp>

using namespace lw;

TEST_CASE("net: parse_ipv4 takes four decimal octets", "[base][net]") {
  const auto a = net::parse_ipv4("10.1.2.254");
  REQUIRE(a.has_value());
  CHECK(a->host_order == 0x0a0102feu);
  CHECK(a->to_string() == "10.1.2.254");
  CHECK(net::parse_ipv4("0.0.0.0")->host_order == 0u);
  CHECK(net::parse_ipv4("255.255.255.255")->host_order == 0xffffffffu);
}

TEST_CASE("net: parse_ipv4 refuses what inet_pton refuses", "[base][net]") {
  const std::string bad =
      GENERATE("", "1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4", "1.2.3.04", "0x1.2.3.4",
               "1.2.3.4 ", " 1.2.3.4", "1..2.3", "::1", "host", std::string("1.2.3.4\0", 8));
  CAPTURE(bad);
  const auto a = net::parse_ipv4(bad);
  REQUIRE_FALSE(a.has_value());
  CHECK(a.error().kind == ErrorKind::kMalformed);
  CHECK(a.error().detail.ends_with("' is not an IPv4 address"));
}

TEST_CASE("net: parse_ipv4_cidr needs a prefix length 0..32", "[base][net]") {
  const auto c = net::parse_ipv4_cidr("10.0.0.0/8");
  REQUIRE(c.has_value());
  CHECK(c->address.host_order == 0x0a000000u);
  CHECK(c->prefix_length == 8);
  CHECK(c->to_string() == "10.0.0.0/8");
  CHECK(net::parse_ipv4_cidr("0.0.0.0/0")->prefix_length == 0);
  CHECK(net::parse_ipv4_cidr("192.168.1.7/32")->prefix_length == 32);
}

TEST_CASE("net: parse_ipv4_cidr refuses leading zeros and anything else odd", "[base][net]") {
  // "10.0.0.0/08" once passed config validation and then failed at start-up in the server.
  const std::string bad =
      GENERATE("10.0.0.0/08", "10.0.0.0/008", "10.0.0.0/00", "10.0.0.0/33", "10.0.0.0/", "10.0.0.0",
               "/8", "10.0.0/8", "10.0.0.0/8/8", "010.0.0.0/8", "::1/128", "10.0.0.0/-1",
               "10.0.0.0/+8", "10.0.0.0/8 ", "-10.0.0.0/8", "10.0.0.0/8,+0.0.0.0/0");
  CAPTURE(bad);
  const auto c = net::parse_ipv4_cidr(bad);
  REQUIRE_FALSE(c.has_value());
  CHECK(c.error().kind == ErrorKind::kMalformed);
  CHECK(c.error().detail == "'" + bad + "' is not an IPv4 CIDR");
}

TEST_CASE("net: parse_listen_address takes IP:PORT or :PORT", "[base][net]") {
  const auto [in, out] = GENERATE(table<std::string, std::string>({
      {":9847", "0.0.0.0:9847"},
      {"127.0.0.1:0", "127.0.0.1:0"},
      {"10.20.30.40:65535", "10.20.30.40:65535"},
      {"0.0.0.0:09847", "0.0.0.0:9847"},
  }));
  CAPTURE(in);
  const auto l = net::parse_listen_address(in);
  REQUIRE(l.has_value());
  CHECK(l->to_string() == out);
}

TEST_CASE("net: parse_listen_address says what is wrong", "[base][net]") {
  const auto [in, detail] = GENERATE(table<std::string, std::string>({
      {"9847", "'9847' has no port"},
      {"", "'' has no port"},
      {":", "'' is not a port"},
      {"1.2.3.4:", "'' is not a port"},
      {"1.2.3.4:65536", "'65536' is not a port"},
      {"1.2.3.4:-1", "'-1' is not a port"},
      {"1.2.3.4:000080", "'000080' is not a port"},
      {"1.2.3.4:80 ", "'80 ' is not a port"},
      {"256.1.1.1:80", "host '256.1.1.1' is not an IPv4 address"},
      {"01.2.3.4:80", "host '01.2.3.4' is not an IPv4 address"},
      {"localhost:80", "host 'localhost' is not an IPv4 address"},
      {"127.0.0.1:0,127.0.0.1:0", "host '127.0.0.1:0,127.0.0.1' is not an IPv4 address"},
  }));
  CAPTURE(in);
  const auto l = net::parse_listen_address(in);
  REQUIRE_FALSE(l.has_value());
  CHECK(l.error().kind == ErrorKind::kMalformed);
  CHECK(l.error().detail == detail);
}

TEST_CASE("net: parse_listen_address names IPv6 as unsupported", "[base][net]") {
  const std::string in = GENERATE("[::1]:9847", "::1:9847", ":::9847", "::1", "[::1]", "fe80::1");
  CAPTURE(in);
  const auto l = net::parse_listen_address(in);
  REQUIRE_FALSE(l.has_value());
  CHECK(l.error().detail.starts_with("IPv6 is not supported: "));
}
