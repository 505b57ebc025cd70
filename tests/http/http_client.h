#pragma once

// A tiny blocking HTTP/1.1 client for the server tests: POSIX sockets to 127.0.0.1 only, one
// request per connection, reads until the server closes (the server has keep-alive off). Every
// socket has SO_RCVTIMEO/SO_SNDTIMEO of 5 s, so a hung server fails the test instead of hanging.

#include <cerrno>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "base/fd.h"

namespace lw::testing {

struct HttpResponse {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  // The first header with that name (case-insensitive); nullopt when absent.
  std::optional<std::string> header(std::string_view name) const {
    for (const auto& [k, v] : headers) {
      if (k.size() == name.size()) {
        bool same = true;
        for (std::size_t i = 0; i < k.size() && same; ++i) {
          const auto lower = [](char c) {
            return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
          };
          same = lower(k[i]) == lower(name[i]);
        }
        if (same) {
          return v;
        }
      }
    }
    return std::nullopt;
  }
};

// A connected TCP socket to 127.0.0.1:port with 5 s send/receive timeouts; invalid on failure.
inline UniqueFd connect_loopback(int port) {
  UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd.valid()) {
    return fd;
  }
  timeval tv{};
  tv.tv_sec = 5;
  ::setsockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd.get(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
    return UniqueFd();
  }
  return fd;
}

// Sends `raw` and reads until EOF. nullopt when the connection failed, timed out, or the server
// closed it without a parsable status line (e.g. a peer refused by the access list).
inline std::optional<HttpResponse> http_raw(int port, std::string_view raw) {
  const UniqueFd fd = connect_loopback(port);
  if (!fd.valid()) {
    return std::nullopt;
  }
  std::size_t sent = 0;
  while (sent < raw.size()) {
    const ssize_t n = ::send(fd.get(), raw.data() + sent, raw.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      break;  // the server may answer (413/400) before reading all of a huge request
    }
    sent += static_cast<std::size_t>(n);
  }
  std::string data;
  char buf[16384];
  while (true) {
    const ssize_t n = ::recv(fd.get(), buf, sizeof buf, 0);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      return std::nullopt;  // 5 s without a byte: a hung server
    }
    if (n <= 0) {
      break;  // EOF, or ECONNRESET after the response
    }
    data.append(buf, static_cast<std::size_t>(n));
  }
  const auto head_end = data.find("\r\n\r\n");
  if (head_end == std::string::npos || !data.starts_with("HTTP/1.")) {
    return std::nullopt;
  }
  HttpResponse r;
  std::string_view head(data.data(), head_end);
  const auto line_end = head.find("\r\n");
  const std::string_view status_line = head.substr(0, line_end);
  const auto sp = status_line.find(' ');
  if (sp == std::string_view::npos || status_line.size() < sp + 4) {
    return std::nullopt;
  }
  r.status = (status_line[sp + 1] - '0') * 100 + (status_line[sp + 2] - '0') * 10 +
             (status_line[sp + 3] - '0');
  head = line_end == std::string_view::npos ? std::string_view{} : head.substr(line_end + 2);
  while (!head.empty()) {
    const auto eol = head.find("\r\n");
    const std::string_view line = head.substr(0, eol);
    const auto colon = line.find(':');
    if (colon != std::string_view::npos) {
      std::string_view value = line.substr(colon + 1);
      while (!value.empty() && value.front() == ' ') {
        value.remove_prefix(1);
      }
      r.headers.emplace_back(std::string(line.substr(0, colon)), std::string(value));
    }
    head = eol == std::string_view::npos ? std::string_view{} : head.substr(eol + 2);
  }
  r.body = data.substr(head_end + 4);
  return r;
}

inline std::optional<HttpResponse> http_request(
    int port, std::string_view method, std::string_view path,
    const std::vector<std::pair<std::string, std::string>>& headers = {}) {
  std::string raw = std::string(method) + " " + std::string(path) + " HTTP/1.1\r\n";
  raw += "Host: 127.0.0.1\r\nConnection: close\r\n";
  for (const auto& [k, v] : headers) {
    raw += k + ": " + v + "\r\n";
  }
  raw += "\r\n";
  return http_raw(port, raw);
}

inline std::optional<HttpResponse> http_get(
    int port, std::string_view path,
    const std::vector<std::pair<std::string, std::string>>& headers = {}) {
  return http_request(port, "GET", path, headers);
}

}  // namespace lw::testing
