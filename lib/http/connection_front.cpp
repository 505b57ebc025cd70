#include "http/connection_front.h"

#include <array>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <utility>

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/fd.h"
#include "http/router.h"

namespace lw::http {
namespace {

using Clock = std::chrono::steady_clock;

constexpr std::uint64_t kListenerId = 0;
constexpr std::uint64_t kWakeId = 1;
constexpr std::uint64_t kFirstConnectionId = 2;
constexpr int kBacklog = 511;
constexpr int kMaxEvents = 64;
constexpr std::size_t kMaxAcceptsPerWake = 256;
constexpr auto kSweepEvery = std::chrono::milliseconds(50);
constexpr auto kAcceptPause = std::chrono::milliseconds(100);  // after EMFILE and the like
// After the answer, the connection is kept readable for a moment and what the client still
// sends is discarded: closing a socket with unread data sends a reset, which can destroy the
// answer in the client's receive buffer before it reads it.
constexpr auto kLinger = std::chrono::milliseconds(1000);

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

}  // namespace

struct ConnectionFront::Loop {
  FrontLimits limits;
  std::vector<Ipv4Cidr> allow;
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

bool ConnectionFront::Loop::allowed(std::uint32_t peer) const {
  if (allow.empty()) {
    return true;
  }
  for (const Ipv4Cidr& cidr : allow) {
    if (cidr.contains(peer)) {
      return true;
    }
  }
  return false;
}

void ConnectionFront::Loop::close(std::uint64_t id) {
  const auto it = connections.find(id);
  if (it == connections.end()) {
    return;
  }
  const auto count = per_address.find(it->second.peer);
  if (count != per_address.end() && --count->second == 0) {
    per_address.erase(count);
  }
  connections.erase(it);  // closes the socket, which also leaves the epoll set
}

bool ConnectionFront::Loop::evict_oldest_head(std::optional<std::uint32_t> of_peer) {
  auto oldest = connections.end();
  for (auto it = connections.begin(); it != connections.end(); ++it) {
    const Connection& c = it->second;
    if (c.phase == Phase::kHead && (!of_peer || c.peer == *of_peer) &&
        (oldest == connections.end() || it->first < oldest->first)) {  // ids grow with age
      oldest = it;
    }
  }
  if (oldest == connections.end()) {
    return false;
  }
  close(oldest->first);
  counters.evicted.fetch_add(1);
  return true;
}

bool ConnectionFront::Loop::make_room(std::uint32_t peer) {
  const auto count = per_address.find(peer);
  if (count != per_address.end() && count->second >= limits.max_connections_per_address &&
      !evict_oldest_head(peer)) {
    return false;
  }
  return connections.size() < limits.max_connections || evict_oldest_head(std::nullopt);
}

void ConnectionFront::Loop::accept_all(Clock::time_point now) {
  for (std::size_t n = 0; n < kMaxAcceptsPerWake; ++n) {
    sockaddr_in peer{};
    socklen_t len = sizeof peer;
    const int fd = ::accept4(listener.get(), reinterpret_cast<sockaddr*>(&peer), &len,
                             SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) {
        continue;
      }
      if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
        // The pending connection stays in the backlog and the listener stays readable: stop
        // watching it for a moment instead of spinning.
        watch(kListenerId, listener.get(), 0);
        accept_paused_until = now + kAcceptPause;
      }
      return;
    }
    UniqueFd owned(fd);
    const std::uint32_t address = ntohl(peer.sin_addr.s_addr);
    if (!allowed(address)) {
      counters.denied.fetch_add(1);
      continue;
    }
    if (!make_room(address)) {
      counters.refused.fetch_add(1);
      continue;
    }
    counters.accepted.fetch_add(1);
    const std::uint64_t id = next_id++;
    const auto [it, inserted] = connections.try_emplace(id, std::move(owned), address, now, limits);
    ++per_address[address];
    watch(id, it->second.fd.get(), EPOLLIN, EPOLL_CTL_ADD);
  }
}

void ConnectionFront::Loop::read_head(std::uint64_t id, Connection& c, Clock::time_point now) {
  std::array<char, 4096> buf;  // NOLINT(cppcoreguidelines-pro-type-member-init): filled by recv
  RequestHead::State state = RequestHead::State::kIncomplete;
  while (state == RequestHead::State::kIncomplete) {
    const ssize_t n = ::recv(c.fd.get(), buf.data(), buf.size(), 0);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      return;  // wait for more
    }
    if (n <= 0) {
      close(id);  // EOF or error before the head was complete: nobody to answer
      return;
    }
    state = c.head.feed(std::string_view(buf.data(), static_cast<std::size_t>(n)));
  }
  if (state == RequestHead::State::kComplete) {
    c.phase = Phase::kWorking;
    watch(id, c.fd.get(), 0);  // nothing to read until the answer is out
    try {
      dispatch(id, c.head.request());
    } catch (...) {  // no memory for the job: answer 500 here
      start_writing(id, c, internal_error_response(), now);
    }
    return;
  }
  const bool too_large = state == RequestHead::State::kTooLarge;
  start_writing(
      id, c,
      serialize_response(
          text_response(too_large ? 413 : 400, too_large ? "request too large\n" : "bad request\n"),
          false, false),
      now);
}

void ConnectionFront::Loop::start_writing(std::uint64_t id, Connection& c, std::string bytes,
                                          Clock::time_point now) {
  if (bytes.empty()) {
    close(id);
    return;
  }
  c.out = std::move(bytes);
  c.sent = 0;
  c.phase = Phase::kWriting;
  c.deadline = now + limits.write_timeout;
  write_some(id, c, now);
}

void ConnectionFront::Loop::write_some(std::uint64_t id, Connection& c, Clock::time_point now) {
  while (c.sent < c.out.size()) {
    const ssize_t n =
        ::send(c.fd.get(), c.out.data() + c.sent, c.out.size() - c.sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      watch(id, c.fd.get(), EPOLLOUT);
      return;
    }
    if (n <= 0) {
      close(id);
      return;
    }
    c.sent += static_cast<std::size_t>(n);
  }
  std::string().swap(c.out);
  ::shutdown(c.fd.get(), SHUT_WR);
  c.phase = Phase::kDraining;
  c.deadline = now + kLinger;
  watch(id, c.fd.get(), EPOLLIN);
}

void ConnectionFront::Loop::drain(std::uint64_t id, Connection& c) {
  std::array<char, 4096> buf;  // NOLINT(cppcoreguidelines-pro-type-member-init): filled by recv
  while (true) {
    const ssize_t n = ::recv(c.fd.get(), buf.data(), buf.size(), 0);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      return;
    }
    if (n <= 0) {
      close(id);  // the client has read the answer and closed
      return;
    }
  }
}

void ConnectionFront::Loop::on_event(std::uint64_t id, std::uint32_t events,
                                     Clock::time_point now) {
  const auto it = connections.find(id);
  if (it == connections.end()) {
    return;  // closed earlier in this batch
  }
  Connection& c = it->second;
  if ((events & (EPOLLERR | EPOLLHUP)) != 0 && c.phase != Phase::kDraining) {
    close(id);
    return;
  }
  switch (c.phase) {
    case Phase::kHead:
      read_head(id, c, now);
      break;
    case Phase::kWriting:
      write_some(id, c, now);
      break;
    case Phase::kDraining:
      drain(id, c);
      break;
    case Phase::kWorking:
      break;
  }
}

void ConnectionFront::Loop::take_responses(Clock::time_point now) {
  std::vector<std::pair<std::uint64_t, std::string>> ready;
  {
    const std::lock_guard lock(responses_mu);
    ready.swap(responses);
  }
  for (auto& [id, bytes] : ready) {
    const auto it = connections.find(id);
    if (it != connections.end() && it->second.phase == Phase::kWorking) {
      start_writing(id, it->second, std::move(bytes), now);
    }
  }
}

void ConnectionFront::Loop::sweep(Clock::time_point now) {
  std::vector<std::uint64_t> expired;
  for (const auto& [id, c] : connections) {
    if (c.phase != Phase::kWorking && c.deadline <= now) {
      expired.push_back(id);
      if (c.phase == Phase::kHead) {
        counters.head_timeouts.fetch_add(1);
      } else if (c.phase == Phase::kWriting) {
        counters.write_timeouts.fetch_add(1);
      }
    }
  }
  for (const std::uint64_t id : expired) {
    close(id);
  }
}

void ConnectionFront::Loop::run() {
  std::array<epoll_event, kMaxEvents> events{};
  Clock::time_point last_sweep = Clock::now();
  while (!stopping.load()) {
    const int n =
        ::epoll_wait(epoll.get(), events.data(), kMaxEvents, static_cast<int>(kSweepEvery.count()));
    const Clock::time_point now = Clock::now();
    for (int i = 0; i < n; ++i) {
      const epoll_event& ev = events[static_cast<std::size_t>(i)];
      if (ev.data.u64 == kListenerId) {
        accept_all(now);
      } else if (ev.data.u64 == kWakeId) {
        std::uint64_t ignored = 0;
        (void)::read(wake.get(), &ignored, sizeof ignored);
        take_responses(now);
      } else {
        on_event(ev.data.u64, ev.events, now);
      }
    }
    if (accept_paused_until && now >= *accept_paused_until) {
      accept_paused_until.reset();
      watch(kListenerId, listener.get(), EPOLLIN);
    }
    if (now - last_sweep >= kSweepEvery) {
      sweep(now);
      last_sweep = now;
    }
  }
  connections.clear();
  per_address.clear();
}

Result<std::unique_ptr<ConnectionFront>> ConnectionFront::bind(const sockaddr_in& address,
                                                               const FrontLimits& limits,
                                                               std::vector<Ipv4Cidr> allow) {
  auto loop = std::make_unique<Loop>();
  loop->limits = limits;
  loop->allow = std::move(allow);
  loop->listener = UniqueFd(::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  loop->epoll = UniqueFd(::epoll_create1(EPOLL_CLOEXEC));
  loop->wake = UniqueFd(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
  if (!loop->listener.valid() || !loop->epoll.valid() || !loop->wake.valid()) {
    return error_from_errno(errno, "cannot create the HTTP sockets");
  }
  const int one = 1;
  ::setsockopt(loop->listener.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (::bind(loop->listener.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address) !=
          0 ||
      ::listen(loop->listener.get(), kBacklog) != 0) {
    return Error{ErrorKind::kIo,
                 std::string("address in use or invalid (") + std::strerror(errno) + ")"};
  }
  sockaddr_in bound{};
  socklen_t len = sizeof bound;
  ::getsockname(loop->listener.get(), reinterpret_cast<sockaddr*>(&bound), &len);
  loop->port = ntohs(bound.sin_port);
  loop->watch(kListenerId, loop->listener.get(), EPOLLIN, EPOLL_CTL_ADD);
  loop->watch(kWakeId, loop->wake.get(), EPOLLIN, EPOLL_CTL_ADD);
  return std::unique_ptr<ConnectionFront>(new ConnectionFront(std::move(loop)));
}

ConnectionFront::ConnectionFront(std::unique_ptr<Loop> loop) : loop_(std::move(loop)) {}

ConnectionFront::~ConnectionFront() {
  stop();
}

void ConnectionFront::start(Dispatch dispatch) {
  loop_->dispatch = std::move(dispatch);
  loop_->thread = std::thread([loop = loop_.get()] { loop->run(); });
}

int ConnectionFront::port() const {
  return loop_->port;
}

void ConnectionFront::respond(std::uint64_t id, std::string bytes) {
  {
    const std::lock_guard lock(loop_->responses_mu);
    loop_->responses.emplace_back(id, std::move(bytes));
  }
  const std::uint64_t one = 1;
  (void)::write(loop_->wake.get(), &one, sizeof one);
}

void ConnectionFront::stop() {
  loop_->stopping.store(true);
  const std::uint64_t one = 1;
  (void)::write(loop_->wake.get(), &one, sizeof one);
  if (loop_->thread.joinable()) {
    loop_->thread.join();
  }
  loop_->listener.reset();
}

const FrontCounters& ConnectionFront::counters() const {
  return loop_->counters;
}

}  // namespace lw::http
