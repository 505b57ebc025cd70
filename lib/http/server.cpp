#include "http/server.h"

#include <algorithm>
#include <exception>
#include <system_error>

#include "http/basic_auth.h"
#include "http/connection_front.h"
#include "http/listen_address.h"
#include "http/router.h"
#include "http/worker_pool.h"

namespace lw::http {
namespace {

constexpr unsigned kMinThreads = 4;
constexpr unsigned kMaxThreads = 256;
constexpr std::size_t kMaxHeadBytes = 16384;

std::chrono::milliseconds at_least_1ms(std::chrono::milliseconds d) {
  return std::max(d, std::chrono::milliseconds(1));
}

}  // namespace

// Declared in this order so that destruction stops the front (no new work, every connection
// closed) before the workers, and the workers before the router they call.
struct HttpServer::Impl {
  std::unique_ptr<Router> router;
  std::unique_ptr<WorkerPool> workers;
  std::unique_ptr<ConnectionFront> front;
  std::vector<int> ports;
};

HttpServer::HttpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

namespace {

// The access rules of the options, checked: the allow list and the basic-auth users (null when
// there are none).
struct Access {
  std::vector<Ipv4Cidr> allow;
  std::shared_ptr<BasicAuth> auth;
};

Result<Access> parse_access(const ServerOptions& options) {
  Access access;
  for (const std::string& entry : options.allow) {
    auto cidr = parse_ipv4_cidr(entry);
    if (!cidr) {
      return cidr.error();
    }
    access.allow.push_back(*cidr);
  }
  if (!options.basic_auth_users.empty()) {
    auto created = BasicAuth::create(options.basic_auth_users);
    if (!created) {
      return created.error();
    }
    access.auth = std::move(*created);
  }
  return access;
}

}  // namespace

Status HttpServer::update_access(const ServerOptions& options) {
  auto access = parse_access(options);
  if (!access) {
    return access.error();
  }
  if (!impl_->front || !impl_->router) {
    return Error{ErrorKind::kIo, "the HTTP server is stopped"};
  }
  impl_->router->set_auth(std::move(access->auth));
  impl_->front->set_allow(std::move(access->allow));
  return Ok{};
}

HttpServer::~HttpServer() {
  stop();
}

Result<std::unique_ptr<HttpServer>> HttpServer::start(const ServerOptions& options,
                                                      const exporter::ReportBoard& board,
                                                      const prometheus::Collectable& metrics,
                                                      std::function<Health()> health) {
  try {
    const auto address = parse_listen_address(options.listen);
    if (!address) {
      return address.error();
    }
    auto access = parse_access(options);
    if (!access) {
      return access.error();
    }
    FrontLimits limits;
    limits.header_timeout = at_least_1ms(options.header_timeout);
    limits.write_timeout = at_least_1ms(options.request_timeout);
    limits.max_connections = std::max<std::size_t>(options.max_connections, 1);
    limits.max_connections_per_address =
        std::max<std::size_t>(options.max_connections_per_address, 1);
    limits.max_head_bytes = kMaxHeadBytes;
    auto front = ConnectionFront::bind(*address, limits, std::move(access->allow));
    if (!front) {
      return Error{ErrorKind::kIo, "cannot listen on " + *normalize_listen_address(options.listen) +
                                       ": " + front.error().detail};
    }
    auto impl = std::make_unique<Impl>();
    impl->router =
        std::make_unique<Router>(board, metrics, std::move(health), std::move(access->auth));
    impl->workers =
        std::make_unique<WorkerPool>(std::clamp(options.threads, kMinThreads, kMaxThreads));
    impl->front = std::move(*front);
    impl->ports = {impl->front->port()};
    Router* router = impl->router.get();
    WorkerPool* workers = impl->workers.get();
    ConnectionFront* front_ptr = impl->front.get();
    impl->front->start([router, workers, front_ptr](std::uint64_t id, Request request) {
      const bool queued = workers->submit([router, front_ptr, id, req = std::move(request)] {
        front_ptr->respond(id, router->answer(req));
      });
      if (!queued) {
        front_ptr->respond(id, {});  // stopping: close it
      }
    });
    return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
  } catch (const std::exception& e) {
    return Error{ErrorKind::kIo, std::string("cannot start the HTTP server: ") + e.what()};
  } catch (...) {
    return Error{ErrorKind::kIo, "cannot start the HTTP server: unknown error"};
  }
}

std::vector<int> HttpServer::ports() const {
  return impl_ && impl_->front ? impl_->ports : std::vector<int>{};
}

void HttpServer::stop() {
  if (!impl_ || !impl_->front) {
    return;
  }
  impl_->front->stop();
  impl_->workers->stop();
  impl_->front.reset();
  impl_->ports.clear();
}

std::uint64_t HttpServer::internal_errors() const {
  return impl_ ? impl_->router->internal_errors() : 0;
}

HttpServer::ConnectionCounts HttpServer::connection_counts() const {
  ConnectionCounts out;
  if (impl_ && impl_->front) {
    const FrontCounters& c = impl_->front->counters();
    out = {c.accepted.load(), c.denied.load(),        c.evicted.load(),
           c.refused.load(),  c.head_timeouts.load(), c.write_timeouts.load()};
  }
  return out;
}

}  // namespace lw::http
