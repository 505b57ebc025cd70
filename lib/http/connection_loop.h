#pragma once

// The state of the connection front (connection_front.h), shared by its two halves:
// connection_front.cpp (accepting, caps, deadlines, the loop) and connection_io.cpp (reading
// request heads, writing answers). Private to lib/http.

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include <sys/epoll.h>

#include "base/fd.h"
#include "http/connection_front.h"
#include "http/request_head.h"

namespace lw::http {

using Clock = std::chrono::steady_clock;

inline constexpr std::uint64_t kListenerId = 0;  // epoll data of the listening socket
inline constexpr std::uint64_t kWakeId = 1;      // ... of the eventfd that respond() writes
inline constexpr std::uint64_t kFirstConnectionId = 2;
// After the answer, the connection is kept readable for a moment and what the client still
// sends is discarded: closing a socket with unread data sends a reset, which can destroy the
// answer in the client's receive buffer before it reads it.
inline constexpr auto kLinger = std::chrono::milliseconds(1000);

enum class Phase { kHead, kWorking, kWriting, kDraining };

struct Connection {
  Connection(UniqueFd f, std::uint32_t p, Clock::time_point now, const FrontLimits& limits)
      : fd(std::move(f)),
        peer(p),
        deadline(now + limits.header_timeout),
        head(limits.max_head_bytes) {}

  UniqueFd fd;
  std::uint32_t peer;  // IPv4, host byte order
  Phase phase = Phase::kHead;
  Clock::time_point deadline;
  RequestHead head;
  std::string out;
  std::size_t sent = 0;
};

struct ConnectionFront::Loop {
  FrontLimits limits;
  // Replaced whole by set_allow() (any thread); the front thread reads a snapshot per accept.
  mutable std::mutex allow_mu;
  std::shared_ptr<const std::vector<Ipv4Cidr>> allow;  // guarded by allow_mu
  UniqueFd listener;
  UniqueFd epoll;
  UniqueFd wake;
  int port = 0;
  Dispatch dispatch;
  FrontCounters counters;
  std::unordered_map<std::uint64_t, Connection> connections;
  std::unordered_map<std::uint32_t, std::size_t> per_address;
  std::uint64_t next_id = kFirstConnectionId;
  std::optional<Clock::time_point> accept_paused_until;
  std::atomic<bool> stopping{false};
  std::mutex responses_mu;
  std::vector<std::pair<std::uint64_t, std::string>> responses;  // guarded by responses_mu
  std::thread thread;

  void run();
  void watch(std::uint64_t id, int fd, std::uint32_t events, int op = EPOLL_CTL_MOD) const {
    epoll_event ev{};
    ev.events = events;
    ev.data.u64 = id;
    (void)::epoll_ctl(epoll.get(), op, fd, &ev);
  }
  bool allowed(std::uint32_t peer) const;
  void accept_all(Clock::time_point now);
  bool make_room(std::uint32_t peer);
  bool evict_oldest_head(std::optional<std::uint32_t> of_peer);
  void on_event(std::uint64_t id, std::uint32_t events, Clock::time_point now);
  void read_head(std::uint64_t id, Connection& c, Clock::time_point now);
  void start_writing(std::uint64_t id, Connection& c, std::string bytes, Clock::time_point now);
  void write_some(std::uint64_t id, Connection& c, Clock::time_point now);
  void drain(std::uint64_t id, Connection& c);
  void take_responses(Clock::time_point now);
  void sweep(Clock::time_point now);
  void close(std::uint64_t id);
};

}  // namespace lw::http
