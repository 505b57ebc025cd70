#pragma once

// The event-driven front of the HTTP server: one thread and one epoll set hold every client
// connection. It accepts, applies the allow list and the connection caps, reads each request head
// under a deadline, hands only complete requests on (dispatch), and writes the answers back under
// a deadline. A client that connects and sends nothing, or one header line a second, costs a
// socket and a few hundred bytes here and never a worker thread; it is closed at its deadline.
//
// Caps: when a client address already has max_connections_per_address connections, or the front
// has max_connections, the oldest connection that is still sending its head (of that address,
// or of any address) is closed to make room; if there is none (all are being answered), the new
// connection is closed at once. So a flood from one address evicts itself, and a scraper's fresh
// connection, which sends its head at once, always gets in.

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <netinet/in.h>

#include "base/result.h"
#include "http/listen_address.h"
#include "http/request_head.h"

namespace lw::http {

struct FrontLimits {
  std::chrono::milliseconds header_timeout{3000};  // from accept to the end of the head
  std::chrono::milliseconds write_timeout{5000};   // for the whole answer to leave
  std::size_t max_connections = 512;
  std::size_t max_connections_per_address = 64;
  std::size_t max_head_bytes = 16384;
};

struct FrontCounters {
  std::atomic<std::uint64_t> accepted{0};
  std::atomic<std::uint64_t> denied{0};   // not in the allow list
  std::atomic<std::uint64_t> evicted{0};  // closed to make room under a cap
  std::atomic<std::uint64_t> refused{0};  // closed at once: a cap held and nothing to evict
  std::atomic<std::uint64_t> head_timeouts{0};
  std::atomic<std::uint64_t> write_timeouts{0};
};

class ConnectionFront {
 public:
  // Called on the front thread with each complete request. It must not block: it queues the
  // work and the answer comes back through respond(id, ...).
  using Dispatch = std::function<void(std::uint64_t id, Request request)>;

  // Binds and listens (no thread yet). Errors name the address.
  static Result<std::unique_ptr<ConnectionFront>> bind(const sockaddr_in& address,
                                                       const FrontLimits& limits,
                                                       std::vector<Ipv4Cidr> allow);
  ConnectionFront(const ConnectionFront&) = delete;
  ConnectionFront& operator=(const ConnectionFront&) = delete;
  ~ConnectionFront();  // stop()

  // Starts the front thread. Throws std::system_error when it cannot.
  void start(Dispatch dispatch);

  int port() const;

  // Replaces the allow list (empty = everyone) for connections accepted from now on; any thread.
  void set_allow(std::vector<Ipv4Cidr> allow);

  // The whole answer to request `id`; any thread. Empty bytes close the connection unanswered.
  // An answer for a connection that is gone is dropped.
  void respond(std::uint64_t id, std::string bytes);

  // Closes the listening socket and every connection and joins the thread. Idempotent.
  void stop();

  const FrontCounters& counters() const;

  struct Loop;  // defined in connection_front.cpp

 private:
  explicit ConnectionFront(std::unique_ptr<Loop> loop);
  std::unique_ptr<Loop> loop_;
};

}  // namespace lw::http
