#pragma once

// The one HTTP server of the daemon (civetweb, hidden behind this header). It serves, from the
// latest immutable Report and never touching /proc:
//   /metrics                    Prometheus text 0.0.4 of metrics.Collect(), gzip when accepted
//   /healthz                    200 "ok" or 503 with the detail, from the health callback
//   /                           the HTML status page
//   /api/v1/processes[/{pid}]   JSON; also /api/v1/cgroups and /api/v1/oom-kills
// Exact paths only (after civetweb's URL decoding and dot-segment removal); anything else is 404,
// methods other than GET and HEAD on a known path are 405.
//
// Hardening (see shared/research/reliability.md §2.2): explicit IPv4 listen address (Debian's
// civetweb has neither IPv6 nor working TLS), >= 4 worker threads, a short request timeout
// against slow-loris, no keep-alive, bounded request size, no document root (so no file serving,
// no directory listing), an optional IPv4 allow list (civetweb's access_control_list: other peers
// are disconnected before a request is read), and optional Basic auth (bcrypt) on every route
// except /healthz, which stays open for systemd/Kubernetes probes and reveals only liveness.
// Handlers catch every exception (one reaching civetweb would abort the daemon) and answer 500.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.h"
#include "export/report_board.h"
#include "http/health.h"

namespace prometheus {
class Collectable;
}

namespace lw::http {

struct ServerOptions {
  std::string listen = "127.0.0.1:0";  // "IPv4:PORT" or ":PORT" (= 0.0.0.0); port 0 = ephemeral
  unsigned threads = 8;                // raised to at least 4
  std::chrono::milliseconds request_timeout{5000};
  std::vector<std::pair<std::string, std::string>> basic_auth_users;  // user -> bcrypt hash
  std::vector<std::string> allow;  // IPv4 addresses or CIDRs allowed to connect; empty = all
};

class HttpServer {
 public:
  // Binds and starts the worker threads. Never throws: a bad listen address, a port in use, a
  // bad CIDR or a hash that is not bcrypt is an Error with a message for the operator.
  // `board`, `metrics` and `health` must outlive the server (stop() or the destructor).
  // `metrics.Collect()` and `health()` run on HTTP worker threads, concurrently: they must be
  // thread-safe. If they throw, the request is a 500 (counted in internal_errors()); an empty
  // Collect() is also a 500, because LeakCollectable returns {} when it failed. An empty
  // `health` function counts as healthy.
  static Result<std::unique_ptr<HttpServer>> start(const ServerOptions& options,
                                                   const exporter::ReportBoard& board,
                                                   const prometheus::Collectable& metrics,
                                                   std::function<Health()> health);

  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;
  ~HttpServer();

  // The bound ports (the real one when the listen port was 0); empty after stop().
  std::vector<int> ports() const;

  // Stops accepting, finishes requests in flight and joins the workers (normally within a few
  // ms; a worker stuck on a slow client takes up to request_timeout). Idempotent. Call it, and
  // ports(), from the owning thread, never from a handler callback.
  void stop();

  // Requests answered 500 because a handler threw (the daemon may export or log this).
  std::uint64_t internal_errors() const;

  struct Impl;  // defined in server.cpp (holds the civetweb server)

 private:
  explicit HttpServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Checks a listen address the way start() does: "IPv4:PORT" or ":PORT" (all IPv4 interfaces).
// Returns civetweb's form ("0.0.0.0:9847" for ":9847"). Exposed so config validation can agree.
Result<std::string> normalize_listen_address(std::string_view listen);

// Checks one allow-list entry: "10.0.0.0/8" or a single address "10.1.2.3".
Status validate_ipv4_cidr(std::string_view cidr);

}  // namespace lw::http
