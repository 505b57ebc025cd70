#include "http/request_head.h"

#include <vector>

#include <http_parser.h>

#include "base/text.h"

namespace lw::http {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  return -1;
}

std::string percent_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      const int hi = hex_value(s[i + 1]);
      const int lo = hex_value(s[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
        continue;
      }
    }
    out += s[i];
  }
  return out;
}

}  // namespace

std::string normalize_path(std::string_view raw_path) {
  const std::string decoded = percent_decode(raw_path);
  std::vector<std::string_view> segments;
  std::string_view rest(decoded);
  if (rest.starts_with('/')) {
    rest.remove_prefix(1);
  }
  while (true) {
    const auto slash = rest.find('/');
    const std::string_view segment = rest.substr(0, slash);
    const bool last = slash == std::string_view::npos;
    if (segment == "..") {
      if (!segments.empty()) {
        segments.pop_back();
      }
      if (last) {
        segments.emplace_back();  // "/a/b/.." is "/a/"
      }
    } else if (segment == ".") {
      if (last) {
        segments.emplace_back();
      }
    } else {
      segments.push_back(segment);
    }
    if (last) {
      break;
    }
    rest.remove_prefix(slash + 1);
  }
  std::string path;
  for (const std::string_view segment : segments) {
    path += '/';
    path += segment;
  }
  return path.empty() ? "/" : path;
}

namespace {

// A request that says a body follows (chunked, any Transfer-Encoding, or a non-zero
// Content-Length). The body would never be read, so its framing could never be checked: refused.
bool announces_body(const http_parser& parser) {
  return (parser.flags & F_CHUNKED) != 0 || parser.uses_transfer_encoding != 0 ||
         ((parser.flags & F_CONTENTLENGTH) != 0 && parser.content_length > 0);
}

}  // namespace

// http-parser calls back with fragments of the URL and of each header field and value, as they
// arrive; they are appended here and committed when the next field starts or the head ends.
struct RequestHead::Parser {
  http_parser parser{};
  http_parser_settings settings{};
  std::string url;
  std::string field;
  std::string value;
  bool in_value = false;
  bool complete = false;
  Request* request = nullptr;

  static Parser& of(http_parser* p) { return *static_cast<Parser*>(p->data); }

  void commit_header() {
    if (text::iequals(field, "Authorization") && request->authorization.empty()) {
      request->authorization = value;
    } else if (text::iequals(field, "Accept-Encoding") && request->accept_encoding.empty()) {
      request->accept_encoding = value;
    }
    field.clear();
    value.clear();
    in_value = false;
  }

  Parser() {
    http_parser_init(&parser, HTTP_REQUEST);
    parser.data = this;
    settings.on_url = [](http_parser* p, const char* at, std::size_t n) {
      of(p).url.append(at, n);
      return 0;
    };
    settings.on_header_field = [](http_parser* p, const char* at, std::size_t n) {
      Parser& self = of(p);
      if (self.in_value) {
        self.commit_header();
      }
      self.field.append(at, n);
      return 0;
    };
    settings.on_header_value = [](http_parser* p, const char* at, std::size_t n) {
      Parser& self = of(p);
      self.in_value = true;
      self.value.append(at, n);
      return 0;
    };
    settings.on_headers_complete = [](http_parser* p) {
      Parser& self = of(p);
      if (self.in_value) {
        self.commit_header();
      }
      self.complete = true;
      http_parser_pause(p, 1);  // stop here: a body is never read
      return 0;
    };
  }
};

RequestHead::RequestHead(std::size_t max_bytes)
    : parser_(std::make_unique<Parser>()), max_bytes_(max_bytes) {
  parser_->request = &request_;
}
RequestHead::RequestHead(RequestHead&& other) noexcept
    : parser_(std::move(other.parser_)),
      request_(std::move(other.request_)),
      state_(other.state_),
      max_bytes_(other.max_bytes_),
      seen_bytes_(other.seen_bytes_) {
  if (parser_) {
    parser_->request = &request_;
  }
}
RequestHead& RequestHead::operator=(RequestHead&& other) noexcept {
  parser_ = std::move(other.parser_);
  request_ = std::move(other.request_);
  state_ = other.state_;
  max_bytes_ = other.max_bytes_;
  seen_bytes_ = other.seen_bytes_;
  if (parser_) {
    parser_->request = &request_;
  }
  return *this;
}
RequestHead::~RequestHead() = default;

RequestHead::State RequestHead::feed(std::string_view bytes) {
  if (state_ != State::kIncomplete) {
    return state_;
  }
  Parser& p = *parser_;
  const std::size_t used = http_parser_execute(&p.parser, &p.settings, bytes.data(), bytes.size());
  seen_bytes_ += used;
  if (seen_bytes_ > max_bytes_) {
    return state_ = State::kTooLarge;
  }
  if (p.complete) {
    if (p.parser.http_major != 1) {
      return state_ = State::kBadVersion;  // "HTTP/9.9", "HTTP/2.0": 505
    }
    if (announces_body(p.parser)) {
      return state_ = State::kMalformed;  // every route is GET or HEAD: no body is read
    }
    http_parser_url url{};
    http_parser_url_init(&url);
    const bool connect = p.parser.method == HTTP_CONNECT;
    if (http_parser_parse_url(p.url.data(), p.url.size(), connect ? 1 : 0, &url) != 0 ||
        (url.field_set & (1U << UF_PATH)) == 0) {
      return state_ = State::kMalformed;  // an authority ("CONNECT host:443"): no route
    }
    const auto& path = url.field_data[UF_PATH];
    if (path.len == 0 || p.url[path.off] != '/') {
      return state_ = State::kMalformed;  // "OPTIONS *": no route has such a target
    }
    request_.method = http_method_str(static_cast<http_method>(p.parser.method));
    request_.path = normalize_path(std::string_view(p.url).substr(path.off, path.len));
    return state_ = State::kComplete;
  }
  if (HTTP_PARSER_ERRNO(&p.parser) != HPE_OK) {
    // http-parser stops at its own header-size limit too (80 KiB, above max_bytes_).
    return state_ = HTTP_PARSER_ERRNO(&p.parser) == HPE_HEADER_OVERFLOW ? State::kTooLarge
                                                                        : State::kMalformed;
  }
  return state_;
}

}  // namespace lw::http
