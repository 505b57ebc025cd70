#include "http/server.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <optional>
#include <system_error>
#include <thread>

#include <CivetServer.h>
#include <arpa/inet.h>
#include <civetweb.h>
#include <netinet/in.h>
#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>
#include <prometheus/text_serializer.h>
#include <sys/socket.h>

#include "base/fd.h"
#include "base/text.h"
#include "http/api.h"
#include "http/basic_auth.h"
#include "http/gzip.h"
#include "http/json.h"
#include "http/status_page.h"

namespace lw::http {
namespace {

constexpr unsigned kMinThreads = 4;
constexpr unsigned kMaxThreads = 256;
constexpr std::size_t kMinGzipBytes = 256;
constexpr const char* kMaxRequestBytes = "16384";

// civetweb reports why mg_start failed only through the log_message callback, which has no user
// pointer. start() points this at a local string for the duration of the CivetServer constructor
// (mg_start binds on the calling thread); on worker threads it is null and messages are dropped,
// because library code does not log.
thread_local std::string* t_startup_log = nullptr;

int on_log_message(const mg_connection* /*conn*/, const char* message) {
  if (t_startup_log != nullptr && message != nullptr) {
    try {
      if (!t_startup_log->empty()) {
        *t_startup_log += "; ";
      }
      *t_startup_log += message;
    } catch (...) {  // NOLINT(bugprone-empty-catch): a lost diagnostic is not worth an abort
    }
  }
  return 1;  // handled: civetweb prints nothing
}

class StartupLogCapture {
 public:
  explicit StartupLogCapture(std::string& into) { t_startup_log = &into; }
  StartupLogCapture(const StartupLogCapture&) = delete;
  StartupLogCapture& operator=(const StartupLogCapture&) = delete;
  ~StartupLogCapture() { t_startup_log = nullptr; }
};

// CivetServer keeps its mg_context protected; one catch-all C handler needs it non-const.
class Civet final : public CivetServer {
 public:
  using CivetServer::CivetServer;
  mg_context* handle() { return context; }
};

struct Request {
  std::string_view method;
  std::string_view path;  // civetweb's local_uri: URL-decoded, dot segments removed, no query
  std::string_view authorization;
};

struct Response {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

Response text_response(int status, std::string body) {
  Response r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

Response json_response(int status, std::string body) {
  Response r;
  r.status = status;
  r.content_type = "application/json";
  r.body = std::move(body);
  return r;
}

Response json_error(int status, std::string_view message) {
  std::string body = "{\"error\":";
  append_json_string(body, message);
  body += "}";
  return json_response(status, std::move(body));
}

std::optional<std::uint8_t> parse_octet(std::string_view s) {
  if (s.empty() || s.size() > 3 || (s.size() > 1 && s[0] == '0')) {
    return std::nullopt;  // no leading zeros: "010" is octal to some parsers
  }
  const auto v = text::parse_int<unsigned>(s);
  if (!v || *v > 255) {
    return std::nullopt;
  }
  return static_cast<std::uint8_t>(*v);
}

bool is_ipv4(std::string_view s) {
  for (int i = 0; i < 4; ++i) {
    const auto dot = s.find('.');
    const std::string_view part = i < 3 ? s.substr(0, dot) : s;
    if ((i < 3 && dot == std::string_view::npos) || !parse_octet(part)) {
      return false;
    }
    if (i < 3) {
      s.remove_prefix(dot + 1);
    }
  }
  return true;
}

}  // namespace

Result<std::string> normalize_listen_address(std::string_view listen) {
  const auto bad = [&](std::string_view why) {
    return Error{ErrorKind::kMalformed,
                 "invalid listen address '" + std::string(listen) + "': " + std::string(why)};
  };
  const auto colon = listen.rfind(':');
  if (colon == std::string_view::npos) {
    return bad("expected IPv4:PORT, e.g. 127.0.0.1:9847");
  }
  const std::string_view host = listen.substr(0, colon);
  const std::string_view port = listen.substr(colon + 1);
  if (!host.empty() && !is_ipv4(host)) {
    return bad("the host must be an IPv4 address (Debian's civetweb has no IPv6; no host names)");
  }
  const auto port_number = text::parse_int<std::uint16_t>(port);
  if (!port_number) {
    return bad("the port must be a number from 0 to 65535 (TLS is not supported: use a proxy)");
  }
  return (host.empty() ? std::string("0.0.0.0") : std::string(host)) + ":" +
         std::to_string(*port_number);
}

Status validate_ipv4_cidr(std::string_view cidr) {
  const auto slash = cidr.find('/');
  const std::string_view address = cidr.substr(0, slash);
  if (!is_ipv4(address)) {
    return Error{ErrorKind::kMalformed, "invalid allow entry '" + std::string(cidr) +
                                            "': expected an IPv4 address or CIDR"};
  }
  if (slash != std::string_view::npos) {
    const std::string_view bits = cidr.substr(slash + 1);
    const auto prefix = text::parse_int<unsigned>(bits);
    if (!prefix || *prefix > 32 || (bits.size() > 1 && bits[0] == '0')) {
      return Error{ErrorKind::kMalformed,
                   "invalid allow entry '" + std::string(cidr) + "': prefix must be 0..32"};
    }
  }
  return Ok{};
}

struct HttpServer::Impl {
  Impl(const exporter::ReportBoard& b, const prometheus::Collectable& m, std::function<Health()> h)
      : board(b), metrics(m), health(std::move(h)) {}

  Response route(const Request& req);
  Response metrics_response();
  Health current_health() const { return health ? health() : Health{true, ""}; }

  const exporter::ReportBoard& board;
  const prometheus::Collectable& metrics;
  std::function<Health()> health;
  std::unique_ptr<BasicAuth> auth;  // null when no users are configured
  std::atomic<std::uint64_t> internal_errors{0};
  std::vector<int> ports;
  std::string poke_address;       // where stop() connects to wake civetweb (127.0.0.1 for 0.0.0.0)
  std::unique_ptr<Civet> server;  // declared last: stopped before the state it uses goes away
};

namespace {

// Writes `r`. Everything that allocates happens before the first byte is sent, so an exception
// from here can still be answered with a clean 500.
int send_response(mg_connection* conn, Response& r, bool head, bool gzip_ok) {
  if (gzip_ok && r.status == 200 && r.body.size() >= kMinGzipBytes) {
    if (auto z = gzip_compress(r.body)) {
      r.body = std::move(*z);
      r.headers.emplace_back("Content-Encoding", "gzip");
    }
  }
  if (r.status == 200) {
    r.headers.emplace_back("Vary", "Accept-Encoding");
  }
  const std::string length = std::to_string(r.body.size());
  mg_response_header_start(conn, r.status);
  mg_response_header_add(conn, "Content-Type", r.content_type.c_str(), -1);
  mg_response_header_add(conn, "Content-Length", length.c_str(), -1);
  mg_response_header_add(conn, "X-Content-Type-Options", "nosniff", -1);
  mg_response_header_add(conn, "Cache-Control", "no-store", -1);
  for (const auto& [name, value] : r.headers) {
    mg_response_header_add(conn, name.c_str(), value.c_str(), -1);
  }
  mg_response_header_send(conn);
  if (!head && !r.body.empty()) {
    mg_write(conn, r.body.data(), r.body.size());
  }
  return r.status;
}

void send_internal_error(mg_connection* conn) {
  static constexpr std::string_view kBody = "internal server error\n";
  mg_response_header_start(conn, 500);
  mg_response_header_add(conn, "Content-Type", "text/plain; charset=utf-8", -1);
  mg_response_header_add(conn, "Content-Length", "22", -1);
  mg_response_header_add(conn, "X-Content-Type-Options", "nosniff", -1);
  mg_response_header_send(conn);
  mg_write(conn, kBody.data(), kBody.size());
}

// Opens and closes one TCP connection to address:port; failures do not matter.
void poke(const std::string& address, int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    return;
  }
  const UniqueFd owned(fd);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  if (::inet_pton(AF_INET, address.c_str(), &addr.sin_addr) == 1) {
    (void)::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr);
  }
}

// The one request handler, registered for "/" (civetweb then routes every path here).
int handle_request(mg_connection* conn, void* cbdata) noexcept {
  auto* impl = static_cast<HttpServer::Impl*>(cbdata);
  try {
    const mg_request_info* info = mg_get_request_info(conn);
    const auto header = [&](const char* name) {
      const char* v = mg_get_header(conn, name);
      return v != nullptr ? std::string_view(v) : std::string_view{};
    };
    Request req;
    req.method = info != nullptr && info->request_method != nullptr ? info->request_method : "";
    req.path = info != nullptr && info->local_uri != nullptr ? info->local_uri : "";
    req.authorization = header("Authorization");
    Response r = impl->route(req);
    return send_response(conn, r, req.method == "HEAD", accepts_gzip(header("Accept-Encoding")));
  } catch (...) {  // std::exception or anything else: never into civetweb's C frames
  }
  impl->internal_errors.fetch_add(1);
  send_internal_error(conn);
  return 500;
}

}  // namespace

Response HttpServer::Impl::metrics_response() {
  const std::vector<prometheus::MetricFamily> families = metrics.Collect();
  if (families.empty()) {
    // LeakCollectable always has leakwatch_build_info; nothing at all means Collect() failed
    // (it catches its own exceptions and returns {}). A 500 makes Prometheus mark the target
    // down instead of silently scraping zero series.
    internal_errors.fetch_add(1);
    return text_response(500, "no metrics\n");
  }
  Response r;
  r.content_type = "text/plain; version=0.0.4; charset=utf-8";
  r.body = prometheus::TextSerializer{}.Serialize(families);
  return r;
}

Response HttpServer::Impl::route(const Request& req) {
  const std::string_view path = req.path;
  if (auth && path != "/healthz" && !auth->check(req.authorization, BasicAuth::Clock::now())) {
    Response r = text_response(401, "unauthorized\n");
    r.headers.emplace_back("WWW-Authenticate", R"(Basic realm="leakwatch", charset="UTF-8")");
    r.headers.emplace_back("Connection", "close");
    return r;
  }
  constexpr std::string_view kProcessPrefix = "/api/v1/processes/";
  const bool known = path == "/" || path == "/metrics" || path == "/healthz" ||
                     path == "/api/v1/processes" || path == "/api/v1/cgroups" ||
                     path == "/api/v1/oom-kills" || path.starts_with(kProcessPrefix);
  if (!known) {
    return path.starts_with("/api/") ? json_error(404, "not found")
                                     : text_response(404, "not found\n");
  }
  if (req.method != "GET" && req.method != "HEAD") {
    Response r = text_response(405, "method not allowed\n");
    r.headers.emplace_back("Allow", "GET, HEAD");
    return r;
  }
  if (path == "/metrics") {
    return metrics_response();
  }
  if (path == "/healthz") {
    const Health h = current_health();
    if (h.ok) {
      return text_response(200, "ok\n");
    }
    return text_response(503, (h.detail.empty() ? std::string("unhealthy") : h.detail) + "\n");
  }
  const std::shared_ptr<const analysis::Report> report = board.latest();
  if (!report) {
    return text_response(503, "no report\n");
  }
  if (path == "/") {
    const double now =
        std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
    Response r;
    r.content_type = "text/html; charset=utf-8";
    r.body = render_status_page(*report, current_health(), now);
    r.headers.emplace_back("Content-Security-Policy",
                           "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
                           "base-uri 'none'; form-action 'none'; frame-ancestors 'none'");
    r.headers.emplace_back("X-Frame-Options", "DENY");
    r.headers.emplace_back("Referrer-Policy", "no-referrer");
    return r;
  }
  if (path == "/api/v1/processes") {
    return json_response(200, render_processes_json(*report));
  }
  if (path == "/api/v1/cgroups") {
    return json_response(200, render_cgroups_json(*report));
  }
  if (path == "/api/v1/oom-kills") {
    return json_response(200, render_oom_kills_json(*report));
  }
  // /api/v1/processes/{pid}
  const auto pid = text::parse_int<std::int32_t>(path.substr(kProcessPrefix.size()));
  if (!pid || *pid <= 0) {
    return json_error(404, "no such process");
  }
  auto body = render_process_json(*report, *pid);
  if (!body) {
    return json_error(404, "no such process");
  }
  return json_response(200, std::move(*body));
}

HttpServer::HttpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

HttpServer::~HttpServer() {
  stop();
}

Result<std::unique_ptr<HttpServer>> HttpServer::start(const ServerOptions& options,
                                                      const exporter::ReportBoard& board,
                                                      const prometheus::Collectable& metrics,
                                                      std::function<Health()> health) {
  try {
    auto listen = normalize_listen_address(options.listen);
    if (!listen) {
      return listen.error();
    }
    std::string acl;
    if (!options.allow.empty()) {
      acl = "-0.0.0.0/0";
      for (const std::string& entry : options.allow) {
        if (const Status ok = validate_ipv4_cidr(entry); !ok) {
          return ok.error();
        }
        acl += ",+" + entry;
      }
    }
    auto impl = std::make_unique<Impl>(board, metrics, std::move(health));
    if (!options.basic_auth_users.empty()) {
      auto auth = BasicAuth::create(options.basic_auth_users);
      if (!auth) {
        return auth.error();
      }
      impl->auth = std::move(*auth);
    }
    const unsigned threads = std::clamp(options.threads, kMinThreads, kMaxThreads);
    const auto timeout_ms =
        std::max<std::chrono::milliseconds::rep>(options.request_timeout.count(), 1);
    // No document_root: civetweb then serves no files and lists no directories, whatever the path.
    std::vector<std::pair<std::string, std::string>> settings = {
        {"listening_ports", *listen},
        {"num_threads", std::to_string(threads)},
        {"request_timeout_ms", std::to_string(timeout_ms)},
        {"enable_keep_alive", "no"},  // an idle keep-alive connection would pin a worker
        {"enable_directory_listing", "no"},
        {"max_request_size", kMaxRequestBytes},
        {"additional_header", "X-Content-Type-Options: nosniff"},  // on civetweb's own errors
    };
    if (!acl.empty()) {
      settings.emplace_back("access_control_list", acl);
    }
    std::vector<std::string> civet_options;
    for (auto& [name, value] : settings) {
      civet_options.push_back(std::move(name));
      civet_options.push_back(std::move(value));
    }
    CivetCallbacks callbacks{};
    callbacks.log_message = on_log_message;
    std::string civet_log;
    try {
      const StartupLogCapture capture(civet_log);
      impl->server = std::make_unique<Civet>(civet_options, &callbacks);
    } catch (const std::exception&) {
      impl->server.reset();
    }
    if (!impl->server || impl->server->handle() == nullptr) {
      std::string detail = "cannot listen on " + *listen + ": address in use or invalid";
      if (!civet_log.empty()) {
        detail += " (civetweb: " + civet_log + ")";
      }
      return Error{ErrorKind::kIo, detail};
    }
    mg_set_request_handler(impl->server->handle(), "/", handle_request, impl.get());
    impl->ports = impl->server->getListeningPorts();
    const std::string host = listen->substr(0, listen->rfind(':'));
    impl->poke_address = host == "0.0.0.0" ? "127.0.0.1" : host;
    return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
  } catch (const std::exception& e) {
    return Error{ErrorKind::kIo, std::string("cannot start the HTTP server: ") + e.what()};
  } catch (...) {
    return Error{ErrorKind::kIo, "cannot start the HTTP server: unknown error"};
  }
}

std::vector<int> HttpServer::ports() const {
  return impl_ && impl_->server ? impl_->ports : std::vector<int>{};
}

void HttpServer::stop() {
  if (!impl_ || !impl_->server) {
    return;
  }
  // civetweb's master thread polls its listening sockets with a 2 s timeout and sees the stop
  // flag only when that poll returns, so mg_stop takes up to 2 s. A helper connects to our own
  // port every 20 ms until mg_stop returns, which wakes the poll at once.
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
  std::thread waker;
  try {
    waker = std::thread([&] {
      std::unique_lock lock(mu);
      while (!cv.wait_for(lock, std::chrono::milliseconds(20), [&] { return done; })) {
        for (const int port : impl_->ports) {
          poke(impl_->poke_address, port);
        }
      }
    });
  } catch (const std::system_error&) {  // no thread: stop the slow way
  }
  impl_->server->close();  // mg_stop: joins the workers after their current request
  {
    const std::lock_guard lock(mu);
    done = true;
  }
  cv.notify_all();
  if (waker.joinable()) {
    waker.join();
  }
  impl_->server.reset();
  impl_->ports.clear();
}

std::uint64_t HttpServer::internal_errors() const {
  return impl_ ? impl_->internal_errors.load() : 0;
}

}  // namespace lw::http
