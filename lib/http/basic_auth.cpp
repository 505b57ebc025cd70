#include "http/basic_auth.h"

#include <algorithm>
#include <array>
#include <cstring>

#include <crypt.h>

#include "base/text.h"

namespace lw::http {
namespace {

// bcrypt (cost 10) of a random string nobody knows: unknown users are checked against a hash
// like this so that they cost the same time as known ones. create() makes one with the highest
// configured cost; this one is the fallback if that fails.
constexpr const char* kFakeHash = "$2b$10$RNU45Rh/H7x8N3av60bUdeJI1k93AoN8.4EEOzVS1VXR56pHhk8pm";

// The cost of a "$2b$NN$..." hash; nullopt if it has no such field.
std::optional<unsigned long> bcrypt_cost(std::string_view hash) {
  if (hash.size() < 7 || hash[0] != '$' || hash[1] != '2' || hash[3] != '$' || hash[6] != '$') {
    return std::nullopt;
  }
  return text::parse_int<unsigned long>(hash.substr(4, 2));
}

std::optional<std::string> base64_decode(std::string_view in) {
  const auto sextet = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') {
      return c - 'A';
    }
    if (c >= 'a' && c <= 'z') {
      return c - 'a' + 26;
    }
    if (c >= '0' && c <= '9') {
      return c - '0' + 52;
    }
    if (c == '+') {
      return 62;
    }
    if (c == '/') {
      return 63;
    }
    return -1;
  };
  while (!in.empty() && in.back() == '=') {
    in.remove_suffix(1);
  }
  if (in.size() % 4 == 1) {
    return std::nullopt;
  }
  std::string out;
  out.reserve(in.size() * 3 / 4);
  std::uint32_t acc = 0;
  int bits = 0;
  for (const char c : in) {
    const int v = sextet(c);
    if (v < 0) {
      return std::nullopt;
    }
    acc = (acc << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xFF);
    }
  }
  return out;
}

bool starts_with_ci(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) {
    return false;
  }
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    char c = s[i];
    if (c >= 'A' && c <= 'Z') {
      c = static_cast<char>(c + 32);
    }
    if (c != prefix[i]) {
      return false;
    }
  }
  return true;
}

bool is_bcrypt_output(const char* out) {
  return out != nullptr && out[0] == '$' && out[1] == '2';
}

}  // namespace

std::optional<Credentials> parse_basic_authorization(std::string_view header) {
  if (!starts_with_ci(header, "basic ")) {
    return std::nullopt;
  }
  std::string_view token = header.substr(6);
  while (!token.empty() && (token.front() == ' ' || token.front() == '\t')) {
    token.remove_prefix(1);
  }
  while (!token.empty() && (token.back() == ' ' || token.back() == '\t')) {
    token.remove_suffix(1);
  }
  const auto decoded = base64_decode(token);
  if (!decoded || decoded->find('\0') != std::string::npos) {
    return std::nullopt;
  }
  const auto colon = decoded->find(':');
  if (colon == std::string::npos) {
    return std::nullopt;
  }
  return Credentials{decoded->substr(0, colon), decoded->substr(colon + 1)};
}

bool constant_time_equal(std::string_view a, std::string_view b) {
  unsigned diff = a.size() == b.size() ? 0U : 1U;
  const std::size_t n = a.size() < b.size() ? a.size() : b.size();
  for (std::size_t i = 0; i < n; ++i) {
    diff |=
        static_cast<unsigned>(static_cast<unsigned char>(a[i]) ^ static_cast<unsigned char>(b[i]));
  }
  return diff == 0;
}

BasicAuth::BasicAuth() : fake_hash_(kFakeHash), crypt_(std::make_unique<crypt_data>()) {
  std::memset(crypt_.get(), 0, sizeof(crypt_data));
}

BasicAuth::~BasicAuth() = default;

Result<std::unique_ptr<BasicAuth>> BasicAuth::create(
    const std::vector<std::pair<std::string, std::string>>& users) {
  std::unique_ptr<BasicAuth> auth(new BasicAuth());  // private constructor: no make_unique
  for (const auto& [name, hash] : users) {
    if (name.empty() || name.find(':') != std::string::npos) {
      return Error{ErrorKind::kMalformed,
                   "basic_auth_users: user names must be non-empty and contain no ':'"};
    }
    for (const User& u : auth->users_) {
      if (u.name == name) {
        return Error{ErrorKind::kMalformed, "basic_auth_users: duplicate user '" + name + "'"};
      }
    }
    // A malformed setting makes crypt_r return "*0" (not NULL), so check the shape of the output.
    const char* out = crypt_r("leakwatch-hash-check", hash.c_str(), auth->crypt_.get());
    if (hash.size() < 4 || hash[0] != '$' || hash[1] != '2' || !is_bcrypt_output(out)) {
      return Error{ErrorKind::kMalformed,
                   "basic_auth_users: the hash for user '" + name + "' is not a bcrypt hash"};
    }
    auth->users_.push_back({name, hash});
  }
  // A fake hash with the highest configured cost, so an unknown user takes as long as the
  // slowest known one. gensalt reads its salt from the OS random source.
  unsigned long max_cost = 0;
  for (const User& u : auth->users_) {
    max_cost = std::max(max_cost, bcrypt_cost(u.hash).value_or(0));
  }
  std::array<char, CRYPT_GENSALT_OUTPUT_SIZE> salt{};
  if (max_cost > 0 && crypt_gensalt_rn("$2b$", max_cost, nullptr, 0, salt.data(),
                                       static_cast<int>(salt.size())) != nullptr) {
    const char* fake = crypt_r("leakwatch: no such user", salt.data(), auth->crypt_.get());
    if (is_bcrypt_output(fake)) {
      auth->fake_hash_ = fake;
    }
  }
  std::memset(auth->crypt_.get(), 0, sizeof(crypt_data));
  return auth;
}

bool BasicAuth::check(std::string_view authorization, Clock::time_point now) {
  auto creds = parse_basic_authorization(authorization);
  if (!creds) {
    return false;
  }
  // Look at every user so the time does not depend on the position of the match.
  const User* found = nullptr;
  for (const User& u : users_) {
    if (constant_time_equal(u.name, creds->user)) {
      found = &u;
    }
  }
  const std::string& hash = found != nullptr ? found->hash : fake_hash_;
  const Sha256Digest digest = sha256(creds->password);
  if (found != nullptr && cached(creds->user, hash, digest, now)) {
    std::fill(creds->password.begin(), creds->password.end(), '\0');
    return true;
  }
  const bool matches = bcrypt_matches(creds->password, hash);
  std::fill(creds->password.begin(), creds->password.end(), '\0');
  if (found == nullptr || !matches) {
    return false;
  }
  remember(creds->user, hash, digest, now);
  return true;
}

bool BasicAuth::bcrypt_matches(const std::string& password, const std::string& hash) {
  const std::lock_guard lock(bcrypt_mu_);
  bcrypt_calls_.fetch_add(1);
  const char* out = crypt_r(password.c_str(), hash.c_str(), crypt_.get());
  const bool ok = is_bcrypt_output(out) && constant_time_equal(out, hash);
  std::memset(crypt_.get(), 0, sizeof(crypt_data));  // no password-derived state left behind
  return ok;
}

bool BasicAuth::cached(const std::string& user, const std::string& hash,
                       const Sha256Digest& password, Clock::time_point now) {
  const std::lock_guard lock(cache_mu_);
  for (const CacheEntry& e : cache_) {
    if (e.expires > now && e.user == user && e.hash == hash &&
        constant_time_equal(
            std::string_view(reinterpret_cast<const char*>(e.password.data()), e.password.size()),
            std::string_view(reinterpret_cast<const char*>(password.data()), password.size()))) {
      return true;
    }
  }
  return false;
}

void BasicAuth::remember(const std::string& user, const std::string& hash,
                         const Sha256Digest& password, Clock::time_point now) {
  const std::lock_guard lock(cache_mu_);
  std::erase_if(cache_, [&](const CacheEntry& e) {
    return e.expires <= now || (e.user == user && e.hash == hash && e.password == password);
  });
  if (cache_.size() >= kMaxCacheEntries) {
    auto oldest = cache_.begin();
    for (auto it = cache_.begin(); it != cache_.end(); ++it) {
      if (it->expires < oldest->expires) {
        oldest = it;
      }
    }
    cache_.erase(oldest);
  }
  cache_.push_back({user, hash, password, now + kCacheTtl});
}

}  // namespace lw::http
