#include "http/connection_front.h"

#include <cerrno>

#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "http/connection_loop.h"

namespace lw::http {
namespace {

constexpr int kBacklog = 511;
constexpr int kMaxEvents = 64;
constexpr std::size_t kMaxAcceptsPerWake = 256;
constexpr auto kSweepEvery = std::chrono::milliseconds(50);
constexpr auto kAcceptPause = std::chrono::milliseconds(100);  // after EMFILE and the like

}  // namespace

bool ConnectionFront::Loop::allowed(std::uint32_t peer) const {
  std::shared_ptr<const std::vector<Ipv4Cidr>> list;
  {
    const std::lock_guard lock(allow_mu);
    list = allow;
  }
  if (list->empty()) {
    return true;
  }
  for (const Ipv4Cidr& cidr : *list) {
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
  // A connection whose answer is out (lingering for the client's close) goes first: closing it
  // costs nothing. Then the oldest one still sending its head. Ids grow with age.
  auto victim = connections.end();
  for (auto it = connections.begin(); it != connections.end(); ++it) {
    const Connection& c = it->second;
    if ((c.phase != Phase::kDraining && c.phase != Phase::kHead) ||
        (of_peer && c.peer != *of_peer)) {
      continue;
    }
    if (victim == connections.end()) {
      victim = it;
      continue;
    }
    const bool draining = c.phase == Phase::kDraining;
    const bool victim_draining = victim->second.phase == Phase::kDraining;
    if ((draining && !victim_draining) ||
        (draining == victim_draining && it->first < victim->first)) {
      victim = it;
    }
  }
  if (victim == connections.end()) {
    return false;
  }
  if (victim->second.phase == Phase::kHead) {
    counters.evicted.fetch_add(1);
  }
  close(victim->first);
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
  loop->allow = std::make_shared<const std::vector<Ipv4Cidr>>(std::move(allow));
  loop->epoll = UniqueFd(::epoll_create1(EPOLL_CLOEXEC));
  loop->wake = UniqueFd(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
  if (!loop->epoll.valid() || !loop->wake.valid()) {
    return error_from_errno(errno, "cannot create the HTTP event loop");
  }
  auto listener = listen_tcp(address, kBacklog);
  if (!listener) {
    return listener.error();
  }
  loop->listener = std::move(*listener);
  sockaddr_in bound{};
  socklen_t len = sizeof bound;
  ::getsockname(loop->listener.get(), reinterpret_cast<sockaddr*>(&bound), &len);
  loop->port = ntohs(bound.sin_port);
  loop->watch(kListenerId, loop->listener.get(), EPOLLIN, EPOLL_CTL_ADD);
  loop->watch(kWakeId, loop->wake.get(), EPOLLIN, EPOLL_CTL_ADD);
  return std::unique_ptr<ConnectionFront>(new ConnectionFront(std::move(loop)));
}

ConnectionFront::ConnectionFront(std::unique_ptr<Loop> loop) : loop_(std::move(loop)) {}

void ConnectionFront::set_allow(std::vector<Ipv4Cidr> allow) {
  auto next = std::make_shared<const std::vector<Ipv4Cidr>>(std::move(allow));
  const std::lock_guard lock(loop_->allow_mu);
  loop_->allow = std::move(next);
}

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
