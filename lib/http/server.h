#pragma once

// The one HTTP server of the daemon. It serves, from the latest immutable Report and never
// touching /proc:
//   /metrics                    Prometheus text 0.0.4 of metrics.Collect(), gzip when accepted;
//                               rendered once per published report and cached, so Collect()
//                               must depend only on board.latest() (LeakCollectable does)
//   /healthz                    200 "ok" or 503 with the detail, from the health callback
//   /                           the HTML status page
//   /api/v1/processes[/{pid}]   JSON; also /api/v1/cgroups and /api/v1/oom-kills
// Exact paths only (after URL decoding and dot-segment removal); anything else is 404, methods
// other than GET and HEAD on a known path are 405.
//
// Why not civetweb (which served until v2): it gives each connection a worker thread from accept
// to close, so N clients that send half a request line hold N workers for the whole request
// timeout and /metrics is down for everyone else; more threads or a shorter timeout only move
// the number, and it has no per-address limit. Here one epoll thread (connection_front.h) holds
// every connection, reads request heads under a deadline (header_timeout) and caps connections
// per client address and in total; the workers only build answers to complete requests
// (router.h), which the front writes back under a deadline (request_timeout).
//
// Hardening (see shared/research/reliability.md §2.2): explicit IPv4 listen address, no
// keep-alive (one request per connection), bounded request head, no file serving, an optional
// IPv4 allow list (other peers are disconnected before a byte is read), and optional Basic auth
// (bcrypt) on every route except /healthz, which stays open for systemd/Kubernetes probes and
// reveals only liveness. Handlers' exceptions are answered 500.

#include <chrono>
#include <cstddef>
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
  unsigned threads = 8;                // workers building answers; raised to at least 4
  std::chrono::milliseconds request_timeout{5000};  // for the whole answer to be sent
  std::chrono::milliseconds header_timeout{3000};   // from connect to the end of the request head
  std::size_t max_connections = 512;                // open at once, all clients together
  std::size_t max_connections_per_address = 64;     // open at once from one client address
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

  // Stops accepting, closes every connection and joins the threads (after the answers being
  // built, which never wait on a client). Idempotent. Call it, and ports(), from the owning
  // thread, never from a handler callback.
  void stop();

  // Applies a reloaded configuration's access rules, basic_auth_users and allow, atomically for
  // every thread: validated first (a bad CIDR or hash changes nothing and is returned), then
  // both swapped. The other options need a new server (a restart).
  Status update_access(const ServerOptions& options);

  // Requests answered 500 because a handler threw (the daemon may export or log this).
  std::uint64_t internal_errors() const;

  // Connections closed by the front: evicted or refused under a cap, or past a deadline.
  struct ConnectionCounts {
    std::uint64_t accepted = 0;
    std::uint64_t denied = 0;   // not in the allow list
    std::uint64_t evicted = 0;  // closed while sending their head, to make room under a cap
    std::uint64_t refused = 0;  // closed at once: a cap held and no slow connection to evict
    std::uint64_t head_timeouts = 0;
    std::uint64_t write_timeouts = 0;
  };
  ConnectionCounts connection_counts() const;

  struct Impl;  // defined in server.cpp

 private:
  explicit HttpServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Checks a listen address the way start() does: "IPv4:PORT" or ":PORT" (all IPv4 interfaces).
// Returns the canonical form ("0.0.0.0:9847" for ":9847"). Exposed so config validation can agree.
Result<std::string> normalize_listen_address(std::string_view listen);

// Checks one allow-list entry: "10.0.0.0/8" or a single address "10.1.2.3".
Status validate_ipv4_cidr(std::string_view cidr);

}  // namespace lw::http
