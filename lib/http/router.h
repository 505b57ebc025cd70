#pragma once

// What each path answers, as bytes ready to send: the routes of server.h, Basic auth, gzip, and
// the fixed security headers. Knows nothing about sockets; the connection front sends the bytes.

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "export/report_board.h"
#include "http/health.h"
#include "http/request_head.h"

namespace prometheus {
class Collectable;
}

namespace lw::http {

class BasicAuth;

struct Response {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  // The body already gzipped (the cached /metrics), used instead of compressing it again.
  std::shared_ptr<const std::string> gzipped_body;
};

Response text_response(int status, std::string body);

// The whole HTTP/1.1 message: status line, headers (always "Connection: close": one request per
// connection) and, unless `head_only`, the body. Gzips 200 bodies of 256 bytes or more when
// `gzip_ok`.
std::string serialize_response(Response r, bool head_only, bool gzip_ok);

// A fixed 500 for when building a response failed.
std::string internal_error_response();

class Router {
 public:
  // `auth` may be null (no authentication). The references must outlive the router.
  Router(const exporter::ReportBoard& board, const prometheus::Collectable& metrics,
         std::function<Health()> health, std::shared_ptr<BasicAuth> auth);
  Router(const Router&) = delete;
  Router& operator=(const Router&) = delete;
  ~Router();

  // The serialized answer to `request`. Never throws: a handler's exception is a 500, counted in
  // internal_errors().
  std::string answer(const Request& request) noexcept;

  std::uint64_t internal_errors() const { return internal_errors_.load(); }

  // Replaces the authentication (null: none) for requests answered from now on; any thread.
  void set_auth(std::shared_ptr<BasicAuth> auth);

 private:
  Response route(const Request& req);
  Response metrics_response();
  // /metrics rendered once per published report: Collect() + serialise + gzip cost tens of ms
  // for 2,000 processes, and Prometheus (or several of them) may scrape many times per scan.
  struct RenderedMetrics {
    // What it was rendered from. Weak: a strong reference kept the previous report (its ~2,000
    // process reports, ~3 MiB on a 2,000-process host) alive after the next one was published.
    std::weak_ptr<const analysis::Report> report;
    std::shared_ptr<const std::string> text;
    std::shared_ptr<const std::string> gzipped;  // null when gzip failed
  };
  std::shared_ptr<const RenderedMetrics> rendered_metrics();
  Response status_page();
  Response process_page(std::string_view pid_text);
  Health current_health() const { return health_ ? health_() : Health{true, ""}; }

  const exporter::ReportBoard& board_;
  const prometheus::Collectable& metrics_;
  std::function<Health()> health_;
  mutable std::mutex auth_mu_;
  std::shared_ptr<BasicAuth> auth_;  // guarded by auth_mu_; a request checks against one snapshot
  std::atomic<std::uint64_t> internal_errors_{0};
  std::mutex render_mu_;  // one render per report, however many scrapes wait for it
  std::shared_ptr<const RenderedMetrics> rendered_;  // guarded by render_mu_
};

}  // namespace lw::http
