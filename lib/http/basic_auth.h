#pragma once

// HTTP Basic authentication against bcrypt hashes, in the shape of Prometheus exporter-toolkit's
// basic_auth_users (user -> "$2y$..." hash):
// - every hash is validated at start (crypt_r of a dummy password must give a "$2" string);
// - an unknown user is checked against a fake hash of the highest configured cost, so response
//   time does not reveal which users exist;
// - crypt_r runs under a mutex (bcrypt is deliberately slow: ~60 ms at cost 10), and its whole
//   output is compared with the stored hash in constant time; output starting with '*' fails;
// - a success is cached for 60 s keyed by (user, hash, SHA-256(password)) held as separate
//   fields, never concatenated (the CVE-2022-46146 lesson), so the plaintext is not kept;
// - passwords are never logged or stored. bcrypt ignores password bytes after the 72nd.

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.h"
#include "http/sha256.h"

struct crypt_data;  // <crypt.h>

namespace lw::http {

struct Credentials {
  std::string user;
  std::string password;
};

// Parses an Authorization header value "Basic <base64(user:password)>" (scheme case-insensitive).
// nullopt for any other scheme, bad base64, no ':' or a NUL byte.
std::optional<Credentials> parse_basic_authorization(std::string_view header);

// Compares without an early exit (the length may leak; bcrypt outputs have a fixed length).
bool constant_time_equal(std::string_view a, std::string_view b);

class BasicAuth {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr std::chrono::seconds kCacheTtl{60};
  static constexpr std::size_t kMaxCacheEntries = 64;

  // Fails on an empty or duplicate user name, a ':' in a user name, or a hash that is not bcrypt.
  static Result<std::unique_ptr<BasicAuth>> create(
      const std::vector<std::pair<std::string, std::string>>& users);

  BasicAuth(const BasicAuth&) = delete;
  BasicAuth& operator=(const BasicAuth&) = delete;
  ~BasicAuth();

  // True when the Authorization header value ("" when absent) holds valid credentials.
  bool check(std::string_view authorization, Clock::time_point now);

  // The hash unknown users are checked against.
  const std::string& fake_hash() const { return fake_hash_; }

  // How many times crypt_r ran for check() (tests use it to see the cache work).
  std::uint64_t bcrypt_calls() const { return bcrypt_calls_.load(); }

 private:
  struct User {
    std::string name;
    std::string hash;
  };
  struct CacheEntry {
    std::string user;
    std::string hash;
    Sha256Digest password{};
    Clock::time_point expires{};
  };

  BasicAuth();
  bool cached(const std::string& user, const std::string& hash, const Sha256Digest& password,
              Clock::time_point now);
  void remember(const std::string& user, const std::string& hash, const Sha256Digest& password,
                Clock::time_point now);
  // crypt_r(password, hash) == hash, serialised.
  bool bcrypt_matches(const std::string& password, const std::string& hash);

  std::vector<User> users_;
  std::string fake_hash_;  // checked for unknown users
  std::mutex cache_mu_;
  std::vector<CacheEntry> cache_;
  std::mutex bcrypt_mu_;
  std::unique_ptr<crypt_data> crypt_;  // 32 KiB of crypt_r scratch, guarded by bcrypt_mu_
  std::atomic<std::uint64_t> bcrypt_calls_{0};
};

}  // namespace lw::http
