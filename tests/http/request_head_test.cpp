#include "http/request_head.h"

#include <string>

#include <catch2/catch.hpp>

using lw::http::normalize_path;
using lw::http::RequestHead;
using State = RequestHead::State;

TEST_CASE("request head: parsed as its bytes arrive, one at a time", "[http][head]") {
  const std::string raw =
      "GET /api/v1/processes?limit=3 HTTP/1.1\r\nHost: x\r\naccept-encoding: gzip\r\n"
      "AUTHORIZATION: Basic YTpi\r\n\r\n";
  RequestHead head(16384);
  for (std::size_t i = 0; i + 1 < raw.size(); ++i) {
    REQUIRE(head.feed(raw.substr(i, 1)) == State::kIncomplete);
  }
  REQUIRE(head.feed(raw.substr(raw.size() - 1)) == State::kComplete);
  CHECK(head.request().method == "GET");
  CHECK(head.request().path == "/api/v1/processes");
  CHECK(head.request().accept_encoding == "gzip");
  CHECK(head.request().authorization == "Basic YTpi");
}

TEST_CASE("request head: absolute-form targets and HTTP/1.0 route by their path", "[http][head]") {
  RequestHead head(16384);
  REQUIRE(head.feed("HEAD http://host:9847/metrics HTTP/1.0\r\n\r\n") == State::kComplete);
  CHECK(head.request().method == "HEAD");
  CHECK(head.request().path == "/metrics");
}

TEST_CASE("request head: a head that announces a body is refused", "[http][head]") {
  // No route reads a body, so its framing (chunk sizes, the length) would never be checked.
  SECTION("content length") {
    RequestHead head(16384);
    CHECK(head.feed("POST /metrics HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello") ==
          State::kMalformed);
  }
  SECTION("huge content length") {
    RequestHead head(16384);
    CHECK(head.feed("GET /metrics HTTP/1.1\r\nContent-Length: 1000000000000\r\n\r\n") ==
          State::kMalformed);
  }
  SECTION("bad chunking") {
    RequestHead head(16384);
    CHECK(head.feed("GET /metrics HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\n") ==
          State::kMalformed);
  }
  SECTION("an empty body is no body") {
    RequestHead head(16384);
    CHECK(head.feed("GET /metrics HTTP/1.1\r\nContent-Length: 0\r\n\r\n") == State::kComplete);
  }
}

TEST_CASE("request head: an HTTP major version other than 1 is kBadVersion", "[http][head]") {
  for (const char* version : {"HTTP/9.9", "HTTP/2.0", "HTTP/0.9"}) {
    RequestHead head(16384);
    CHECK(head.feed(std::string("GET /metrics ") + version + "\r\n\r\n") == State::kBadVersion);
  }
  RequestHead head(16384);
  CHECK(head.feed("GET /metrics HTTP/1.0\r\n\r\n") == State::kComplete);
}

TEST_CASE("request head: garbage and oversized heads are refused", "[http][head]") {
  SECTION("garbage") {
    RequestHead head(16384);
    CHECK(head.feed("\x16\x03\x01 TLS hello\r\n\r\n") == State::kMalformed);
  }
  SECTION("asterisk target") {
    RequestHead head(16384);
    CHECK(head.feed("OPTIONS * HTTP/1.1\r\n\r\n") == State::kMalformed);
  }
  SECTION("too large, even when it arrives in pieces") {
    RequestHead head(1024);
    State s = head.feed("GET / HTTP/1.1\r\n");
    for (int i = 0; i < 100 && s == State::kIncomplete; ++i) {
      s = head.feed("X-Filler: 0123456789012345678901234567890123456789\r\n");
    }
    CHECK(s == State::kTooLarge);
  }
}

TEST_CASE("request head: paths are percent-decoded and cannot climb above /", "[http][head]") {
  CHECK(normalize_path("/metrics") == "/metrics");
  CHECK(normalize_path("/%6detrics") == "/metrics");
  CHECK(normalize_path("/x/../metrics") == "/metrics");
  CHECK(normalize_path("/../../etc/passwd") == "/etc/passwd");
  CHECK(normalize_path("/%2e%2e/%2e%2e/etc/passwd") == "/etc/passwd");
  CHECK(normalize_path("/./healthz") == "/healthz");
  CHECK(normalize_path("/api/v1/..") == "/api/");
  CHECK(normalize_path("/metrics/") == "/metrics/");
  CHECK(normalize_path("/bad%zzescape%4") == "/bad%zzescape%4");
  CHECK(normalize_path("") == "/");
}
