#include "http/basic_auth.h"

#include <chrono>
#include <string>

#include <catch2/catch.hpp>

#include "http/auth_fixture.h"
#include "http/sha256.h"
#include "support/base64.h"

using lw::http::BasicAuth;
using lw::http::parse_basic_authorization;
using namespace std::chrono_literals;

namespace {

using lw::testing::base64;

std::string basic(std::string_view user, std::string_view password) {
  return "Basic " + base64(std::string(user) + ":" + std::string(password));
}

std::string hex(const lw::http::Sha256Digest& d) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (const std::uint8_t b : d) {
    out += kHex[b >> 4];
    out += kHex[b & 15];
  }
  return out;
}

std::unique_ptr<BasicAuth> make_auth() {
  auto auth =
      BasicAuth::create({{"alice", lw::testing::kAliceHash}, {"bob", lw::testing::kBobHash}});
  REQUIRE(auth.has_value());
  return std::move(*auth);
}

const auto kNow = BasicAuth::Clock::time_point{} + 1000h;

}  // namespace

TEST_CASE("basic auth: sha256 matches the FIPS 180-4 test vectors", "[http][auth]") {
  CHECK(hex(lw::http::sha256("")) ==
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(hex(lw::http::sha256("abc")) ==
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(hex(lw::http::sha256("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")) ==
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  CHECK(hex(lw::http::sha256(std::string(1000000, 'a'))) ==
        "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST_CASE("basic auth: the Authorization header is parsed strictly", "[http][auth]") {
  const auto c = parse_basic_authorization(basic("alice", "pa:ss word"));
  REQUIRE(c.has_value());
  CHECK(c->user == "alice");
  CHECK(c->password == "pa:ss word");  // split at the first ':' only
  CHECK(parse_basic_authorization("basic " + base64("u:p")).has_value());  // scheme is case-blind
  CHECK(parse_basic_authorization("Basic " + base64("u:")).has_value());   // empty password
  const std::string bad = GENERATE(std::string(""), std::string("Bearer abc"), std::string("Basic"),
                                   std::string("Basic !!!!"),
                                   std::string("Basic ") + "dXNlcg==",  // "user": no ':'
                                   std::string("Basic ") + "dTpwAHg=",  // "u:p\0x": NUL byte
                                   std::string("BasicdTpw"));
  CHECK_FALSE(parse_basic_authorization(bad).has_value());
}

TEST_CASE("basic auth: constant_time_equal compares whole strings", "[http][auth]") {
  CHECK(lw::http::constant_time_equal("abc", "abc"));
  CHECK_FALSE(lw::http::constant_time_equal("abc", "abd"));
  CHECK_FALSE(lw::http::constant_time_equal("abc", "ab"));
  CHECK_FALSE(lw::http::constant_time_equal("", "a"));
}

TEST_CASE("basic auth: right password passes, wrong password and unknown user fail",
          "[http][auth]") {
  auto auth = make_auth();
  CHECK(auth->check(basic("alice", lw::testing::kAlicePassword), kNow));
  CHECK(auth->check(basic("bob", lw::testing::kBobPassword), kNow));
  CHECK_FALSE(auth->check(basic("alice", lw::testing::kBobPassword), kNow));
  CHECK_FALSE(auth->check(basic("alice", ""), kNow));
  CHECK_FALSE(auth->check(basic("mallory", lw::testing::kAlicePassword), kNow));
  CHECK_FALSE(auth->check("", kNow));
  CHECK_FALSE(auth->check("Basic " + std::string(100, 'A'), kNow));
}

TEST_CASE("basic auth: unknown users still cost one bcrypt of the configured cost",
          "[http][auth]") {
  auto auth = make_auth();
  const auto before = auth->bcrypt_calls();
  CHECK_FALSE(auth->check(basic("mallory", "x"), kNow));
  CHECK(auth->bcrypt_calls() == before + 1);
  // The fake hash is a real bcrypt hash with the users' cost (04), and it is not theirs.
  CHECK(auth->fake_hash().starts_with("$2b$04$"));
  CHECK(auth->fake_hash().size() == std::string_view(lw::testing::kAliceHash).size());
  CHECK(auth->fake_hash() != lw::testing::kAliceHash);
}

TEST_CASE("basic auth: a success is cached for 60 s, keyed by user and password", "[http][auth]") {
  auto auth = make_auth();
  REQUIRE(auth->check(basic("alice", lw::testing::kAlicePassword), kNow));
  const auto after_first = auth->bcrypt_calls();
  CHECK(auth->check(basic("alice", lw::testing::kAlicePassword), kNow + 59s));
  CHECK(auth->bcrypt_calls() == after_first);  // served from the cache
  // The cache never lets a different password, or another user, through.
  CHECK_FALSE(auth->check(basic("alice", "s3cret2"), kNow + 1s));
  CHECK_FALSE(auth->check(basic("bob", lw::testing::kAlicePassword), kNow + 1s));
  CHECK(auth->bcrypt_calls() == after_first + 2);
  // After the TTL, bcrypt runs again.
  CHECK(auth->check(basic("alice", lw::testing::kAlicePassword), kNow + 61s));
  CHECK(auth->bcrypt_calls() == after_first + 3);
}

TEST_CASE("basic auth: invalid configuration is rejected at start", "[http][auth]") {
  using Users = std::vector<std::pair<std::string, std::string>>;
  const Users users =
      GENERATE(Users{{"alice", "plaintext"}}, Users{{"alice", "$2b$04$short"}},
               Users{{"alice", "$6$salt$hash"}}, Users{{"alice", ""}},
               Users{{"", lw::testing::kAliceHash}}, Users{{"a:b", lw::testing::kAliceHash}},
               Users{{"alice", lw::testing::kAliceHash}, {"alice", lw::testing::kBobHash}});
  const auto auth = BasicAuth::create(users);
  REQUIRE_FALSE(auth.has_value());
  CHECK(auth.error().kind == lw::ErrorKind::kMalformed);
  CHECK(auth.error().detail.starts_with("basic_auth_users: "));
}
