#include "http/router.h"

#include <chrono>
#include <string_view>

#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>
#include <prometheus/text_serializer.h>

#include "base/text.h"
#include "http/api.h"
#include "http/basic_auth.h"
#include "http/gzip.h"
#include "http/json.h"
#include "http/process_page.h"
#include "http/status_page.h"

namespace lw::http {
namespace {

constexpr std::size_t kMinGzipBytes = 256;

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

// An HTML page with the headers that keep it self-contained: no scripts, no framing, nothing
// loaded from elsewhere (the SVG charts are inline).
Response html_response(int status, std::string body) {
  Response r;
  r.status = status;
  r.content_type = "text/html; charset=utf-8";
  r.body = std::move(body);
  r.headers.emplace_back("Content-Security-Policy",
                         "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
                         "base-uri 'none'; form-action 'none'; frame-ancestors 'none'");
  r.headers.emplace_back("X-Frame-Options", "DENY");
  r.headers.emplace_back("Referrer-Policy", "no-referrer");
  return r;
}

double now_wall_seconds() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string_view reason_phrase(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 413:
      return "Payload Too Large";
    case 500:
      return "Internal Server Error";
    case 503:
      return "Service Unavailable";
    case 505:
      return "HTTP Version Not Supported";
    default:
      return "Status";
  }
}

}  // namespace

Response text_response(int status, std::string body) {
  Response r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

std::string serialize_response(Response r, bool head_only, bool gzip_ok) {
  if (gzip_ok && r.status == 200 && r.gzipped_body) {
    r.body = *r.gzipped_body;
    r.headers.emplace_back("Content-Encoding", "gzip");
  } else if (gzip_ok && r.status == 200 && r.body.size() >= kMinGzipBytes) {
    if (auto z = gzip_compress(r.body)) {
      r.body = std::move(*z);
      r.headers.emplace_back("Content-Encoding", "gzip");
    }
  }
  if (r.status == 200) {
    r.headers.emplace_back("Vary", "Accept-Encoding");
  }
  std::string out = "HTTP/1.1 " + std::to_string(r.status) + " ";
  out += reason_phrase(r.status);
  out += "\r\nContent-Type: " + r.content_type;
  out += "\r\nContent-Length: " + std::to_string(r.body.size());
  out += "\r\nX-Content-Type-Options: nosniff\r\nCache-Control: no-store\r\nConnection: close\r\n";
  for (const auto& [name, value] : r.headers) {
    out.append(name).append(": ").append(value).append("\r\n");
  }
  out += "\r\n";
  if (!head_only) {
    out.reserve(out.size() + r.body.size());
    out += r.body;
  }
  return out;
}

std::string internal_error_response() {
  return "HTTP/1.1 500 Internal Server Error\r\nContent-Type: text/plain; charset=utf-8\r\n"
         "Content-Length: 22\r\nX-Content-Type-Options: nosniff\r\nConnection: close\r\n\r\n"
         "internal server error\n";
}

Router::Router(const exporter::ReportBoard& board, const prometheus::Collectable& metrics,
               std::function<Health()> health, std::shared_ptr<BasicAuth> auth)
    : board_(board), metrics_(metrics), health_(std::move(health)), auth_(std::move(auth)) {}

void Router::set_auth(std::shared_ptr<BasicAuth> auth) {
  const std::lock_guard lock(auth_mu_);
  auth_ = std::move(auth);
}

Router::~Router() = default;

std::string Router::answer(const Request& request) noexcept {
  try {
    return serialize_response(route(request), request.method == "HEAD",
                              accepts_gzip(request.accept_encoding));
  } catch (...) {  // std::exception or anything else: the client gets a 500, the server lives on
  }
  internal_errors_.fetch_add(1);
  try {
    return internal_error_response();
  } catch (...) {
    return {};  // out of memory: the front closes the connection without an answer
  }
}

// The cached rendering when it is of the latest report; else renders it (one worker at a time:
// the others wait for its result instead of rendering the same report again). A failed render
// (nothing collected) is not cached. Null when Collect() returned nothing.
std::shared_ptr<const Router::RenderedMetrics> Router::rendered_metrics() {
  const std::shared_ptr<const analysis::Report> report = board_.latest();
  const std::lock_guard lock(render_mu_);
  // Owner equality: the weak reference keeps the old report's control block, so a new report can
  // never compare equal to an expired one.
  if (rendered_ && report && !rendered_->report.owner_before(report) &&
      !report.owner_before(rendered_->report)) {
    return rendered_;
  }
  const std::vector<prometheus::MetricFamily> families = metrics_.Collect();
  if (families.empty()) {
    return nullptr;
  }
  auto text = std::make_shared<const std::string>(prometheus::TextSerializer{}.Serialize(families));
  std::shared_ptr<const std::string> gzipped;
  if (text->size() >= kMinGzipBytes) {
    if (auto z = gzip_compress(*text)) {
      gzipped = std::make_shared<const std::string>(std::move(*z));
    }
  }
  auto out = std::make_shared<const RenderedMetrics>(
      RenderedMetrics{report, std::move(text), std::move(gzipped)});
  if (report) {
    rendered_ = out;
  }
  return out;
}

Response Router::metrics_response() {
  const auto rendered = rendered_metrics();
  if (!rendered) {
    // LeakCollectable always has leakwatch_build_info; nothing at all means Collect() failed
    // (it catches its own exceptions and returns {}). A 500 makes Prometheus mark the target
    // down instead of silently scraping zero series.
    internal_errors_.fetch_add(1);
    return text_response(500, "no metrics\n");
  }
  Response r;
  r.content_type = "text/plain; version=0.0.4; charset=utf-8";
  r.body = *rendered->text;
  r.gzipped_body = rendered->gzipped;
  return r;
}

Response Router::status_page() {
  const std::shared_ptr<const analysis::Report> report = board_.latest();
  if (!report) {
    return text_response(503, "no report\n");
  }
  return html_response(200, render_status_page(*report, current_health(), now_wall_seconds()));
}

// /process/{pid}: 400 for anything but a positive decimal pid, 404 for a pid with no live process
// in the latest report (unknown, or exited and kept only for its post-mortem).
Response Router::process_page(std::string_view pid_text) {
  const auto pid = text::parse_int<std::int32_t>(pid_text);
  if (!pid || *pid <= 0) {
    return html_response(
        400, render_process_error_page(400,
                                       "Not a process id: a page per process is /process/<pid>, "
                                       "with pid a positive decimal number."));
  }
  const std::shared_ptr<const analysis::Report> report = board_.latest();
  if (!report) {
    return text_response(503, "no report\n");
  }
  auto body = render_process_page(*report, *pid, now_wall_seconds());
  if (!body) {
    return html_response(
        404, render_process_error_page(404, "No live process with pid " + std::to_string(*pid) +
                                                " in the latest scan: it is unknown or has "
                                                "exited."));
  }
  return html_response(200, std::move(*body));
}

Response Router::route(const Request& req) {
  const std::string_view path = req.path;
  std::shared_ptr<BasicAuth> auth;
  {
    const std::lock_guard lock(auth_mu_);
    auth = auth_;
  }
  if (auth && path != "/healthz" && !auth->check(req.authorization, BasicAuth::Clock::now())) {
    Response r = text_response(401, "unauthorized\n");
    r.headers.emplace_back("WWW-Authenticate", R"(Basic realm="leakwatch", charset="UTF-8")");
    return r;
  }
  constexpr std::string_view kProcessPrefix = "/api/v1/processes/";
  constexpr std::string_view kProcessPagePrefix = "/process/";
  const bool known = path == "/" || path == "/metrics" || path == "/healthz" ||
                     path == "/api/v1/processes" || path == "/api/v1/cgroups" ||
                     path == "/api/v1/oom-kills" || path == "/api/v1/groups" ||
                     path.starts_with(kProcessPrefix) || path.starts_with(kProcessPagePrefix);
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
  if (path == "/") {
    return status_page();
  }
  if (path.starts_with(kProcessPagePrefix)) {
    return process_page(path.substr(kProcessPagePrefix.size()));
  }
  const std::shared_ptr<const analysis::Report> report = board_.latest();
  if (!report) {
    return text_response(503, "no report\n");
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
  if (path == "/api/v1/groups") {
    return json_response(200, render_groups_json(*report));
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

}  // namespace lw::http
