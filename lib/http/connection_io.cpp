#include <cerrno>
#include <string_view>

#include <sys/socket.h>

#include "http/connection_loop.h"
#include "http/router.h"

namespace lw::http {
namespace {

// Reads what the socket has and passes it to `take` until it would block or `take` returns
// false. False when the peer closed the connection or it failed.
template <typename Take>
bool receive_all(int fd, Take&& take) {
  std::array<char, 4096> buf;  // NOLINT(cppcoreguidelines-pro-type-member-init): filled by recv
  while (true) {
    const ssize_t n = ::recv(fd, buf.data(), buf.size(), 0);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      return true;
    }
    if (n <= 0) {
      return false;
    }
    if (!take(std::string_view(buf.data(), static_cast<std::size_t>(n)))) {
      return true;
    }
  }
}

// The answer to a head that cannot be served.
Response refusal(RequestHead::State state) {
  switch (state) {
    case RequestHead::State::kTooLarge:
      return text_response(413, "request too large\n");
    case RequestHead::State::kBadVersion:
      return text_response(505, "HTTP version not supported: use HTTP/1.1\n");
    default:
      return text_response(400, "bad request\n");
  }
}

}  // namespace

void ConnectionFront::Loop::read_head(std::uint64_t id, Connection& c, Clock::time_point now) {
  RequestHead::State state = RequestHead::State::kIncomplete;
  const bool open = receive_all(c.fd.get(), [&](std::string_view bytes) {
    state = c.head.feed(bytes);
    return state == RequestHead::State::kIncomplete;
  });
  if (state == RequestHead::State::kIncomplete) {
    if (!open) {
      close(id);  // EOF or error before the head was complete: nobody to answer
    }
    return;  // else wait for more
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
  start_writing(id, c, serialize_response(refusal(state), false, false), now);
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
  if (!receive_all(c.fd.get(), [](std::string_view) { return true; })) {
    close(id);  // the client has read the answer and closed
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

}  // namespace lw::http
