#pragma once

// The head of one HTTP/1.x request (request line and header fields), parsed as its bytes arrive
// by nodejs' http-parser (Debian: libhttp-parser-dev), so a client that sends one byte a second
// costs this small state and nothing else. Only what the routes need is kept: the method, the
// path and two header values. A body is never read: every route is GET or HEAD, and a head that
// announces one is refused.

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

namespace lw::http {

struct Request {
  std::string method;  // "GET", "HEAD", ...
  std::string path;    // percent-decoded, dot segments removed, no query: "/api/v1/processes"
  std::string authorization;    // "" when absent
  std::string accept_encoding;  // "" when absent
};

class RequestHead {
 public:
  // kMalformed is also a head that announces a body (Transfer-Encoding, Content-Length > 0):
  // bodies are never read. kBadVersion is an HTTP major version other than 1 (answered 505).
  enum class State { kIncomplete, kComplete, kMalformed, kTooLarge, kBadVersion };

  // `max_bytes` bounds the head (request line + header fields + the empty line).
  explicit RequestHead(std::size_t max_bytes);
  RequestHead(const RequestHead&) = delete;
  RequestHead& operator=(const RequestHead&) = delete;
  RequestHead(RequestHead&&) noexcept;
  RequestHead& operator=(RequestHead&&) noexcept;
  ~RequestHead();

  // Feeds the next bytes from the client. Once the state is not kIncomplete, further bytes are
  // ignored (they belong to a body, or to a request that is answered with an error).
  State feed(std::string_view bytes);
  State state() const { return state_; }

  // The parsed request; valid when state() is kComplete.
  const Request& request() const { return request_; }

 private:
  struct Parser;
  std::unique_ptr<Parser> parser_;
  Request request_;
  State state_ = State::kIncomplete;
  std::size_t max_bytes_;
  std::size_t seen_bytes_ = 0;
};

// "/a/%2e%2e/b?x" -> "/b": RFC 3986 percent-decoding, then its remove_dot_segments, so
// "/x/../metrics" routes like "/metrics" and no path can climb above "/". nullopt-free: a bad
// escape stays as is.
std::string normalize_path(std::string_view raw_path);

}  // namespace lw::http
