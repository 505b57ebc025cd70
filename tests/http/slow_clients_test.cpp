// The HTTP server under slow clients (issue 9): connections that send half a request line and
// then nothing, or one header line a second, must not keep /healthz and /metrics from answering,
// and must be closed at web.header_timeout. Also a 10 MiB /metrics body is served whole.
//
// Bounds are generous (seconds, not milliseconds): this checks that the server holds, not how
// fast it is; tests/bench/http_hold.sh measures the latencies.

#include <chrono>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <prometheus/client_metric.h>
#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>
#include <prometheus/text_serializer.h>
#include <sys/socket.h>
#include <zlib.h>

#include <catch2/catch.hpp>

#include "base/fd.h"
#include "export/report_board.h"
#include "http/gunzip.h"
#include "http/http_client.h"
#include "http/server.h"
#include "http/test_gauge.h"

using lw::http::Health;
using lw::http::HttpServer;
using lw::http::ServerOptions;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

using lw::testing::gunzip;

namespace {

class SmallCollectable final : public prometheus::Collectable {
 public:
  std::vector<prometheus::MetricFamily> Collect() const override {
    prometheus::MetricFamily family = lw::testing::test_gauge_family();
    prometheus::ClientMetric m;
    m.gauge.value = 1;
    family.metric.push_back(m);
    return {family};
  }
};

// About 10.5 MiB of text format: 120,000 series with ~80-byte label sets.
class BigCollectable final : public prometheus::Collectable {
 public:
  std::vector<prometheus::MetricFamily> Collect() const override {
    prometheus::MetricFamily family;
    family.name = "leakwatch_test_big_bytes";
    family.help = "Many series, for a body above 10 MiB.";
    family.type = prometheus::MetricType::Gauge;
    for (int i = 0; i < 120000; ++i) {
      prometheus::ClientMetric m;
      m.label = {{"cgroup", "/system.slice/service-number-" + std::to_string(i) + ".service"},
                 {"comm", "worker"}};
      m.gauge.value = 1000.0 * i;
      family.metric.push_back(std::move(m));
    }
    return {family};
  }
};

struct Server {
  lw::exporter::ReportBoard board;
  std::unique_ptr<HttpServer> server;
  int port = 0;

  Server(const ServerOptions& options, const prometheus::Collectable& metrics) {
    auto started = HttpServer::start(options, board, metrics, [] { return Health{true, ""}; });
    if (!started) {
      FAIL("start failed: " << started.error().detail);
    }
    server = std::move(*started);
    port = server->ports().at(0);
  }
};

// A TCP connection to 127.0.0.1:port from the loopback address `source` (any of 127/8 is
// local on Linux, so each counts as a client address of its own).
lw::UniqueFd connect_from(const std::string& source, int port) {
  lw::UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in from{};
  from.sin_family = AF_INET;
  ::inet_pton(AF_INET, source.c_str(), &from.sin_addr);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(static_cast<std::uint16_t>(port));
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (!fd.valid() || ::bind(fd.get(), reinterpret_cast<const sockaddr*>(&from), sizeof from) != 0 ||
      ::connect(fd.get(), reinterpret_cast<const sockaddr*>(&to), sizeof to) != 0) {
    return lw::UniqueFd();
  }
  return fd;
}

bool send_all(int fd, std::string_view bytes) {
  return ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL | MSG_DONTWAIT) ==
         static_cast<ssize_t>(bytes.size());
}

struct SlowClient {
  lw::UniqueFd fd;
  bool closed = false;
};

// Marks the clients the server has closed (EOF or reset), waiting up to `wait` for one.
void notice_closed(std::vector<SlowClient>& clients, std::chrono::milliseconds wait) {
  std::vector<pollfd> fds;
  std::vector<SlowClient*> of;
  for (SlowClient& c : clients) {
    if (!c.closed) {
      fds.push_back(pollfd{c.fd.get(), POLLIN, 0});
      of.push_back(&c);
    }
  }
  if (fds.empty() || ::poll(fds.data(), fds.size(), static_cast<int>(wait.count())) <= 0) {
    return;
  }
  for (std::size_t i = 0; i < fds.size(); ++i) {
    if ((fds[i].revents & (POLLIN | POLLHUP | POLLERR)) != 0) {
      char buf[512];
      if (::recv(fds[i].fd, buf, sizeof buf, MSG_DONTWAIT) <= 0) {
        of[i]->closed = true;
      }
    }
  }
}

std::size_t count_open(const std::vector<SlowClient>& clients) {
  std::size_t n = 0;
  for (const SlowClient& c : clients) {
    n += c.closed ? 0 : 1;
  }
  return n;
}

}  // namespace

TEST_CASE("slow clients: 100 held connections do not take /healthz and /metrics down",
          "[http][server][slow]") {
  const bool trickle = GENERATE(false, true);
  // One address under the default per-address cap of 64 (the rest of its 100 are evicted at
  // once), one address with a cap that holds all 100 until the deadline, and 10 addresses.
  const auto [addresses, per_address] =
      GENERATE(std::pair{1, std::size_t{64}}, std::pair{1, std::size_t{256}},
               std::pair{10, std::size_t{64}});
  INFO((trickle ? "trickle" : "idle") << ", " << addresses << " address(es), cap " << per_address);
  ServerOptions options;
  options.header_timeout = 2s;
  options.max_connections_per_address = per_address;
  SmallCollectable metrics;
  Server s(options, metrics);

  std::vector<SlowClient> clients;
  for (int i = 0; i < 100; ++i) {
    const std::string source = "127.0.0." + std::to_string(1 + i % addresses);
    SlowClient c{connect_from(source, s.port), false};
    REQUIRE(c.fd.valid());
    REQUIRE(send_all(c.fd.get(), trickle ? "GET /metrics HTTP/1.1\r\n" : "GET /metr"));
    clients.push_back(std::move(c));
  }
  const auto opened = Clock::now();
  const auto give_up = opened + options.header_timeout + 10s;
  auto next_line = opened + 1s;
  int probes = 0;
  int line = 0;
  while (count_open(clients) > 0 && Clock::now() < give_up) {
    if (trickle && Clock::now() >= next_line) {
      const std::string header = "X-Slow-" + std::to_string(++line) + ": 1\r\n";
      for (SlowClient& c : clients) {
        if (!c.closed && !send_all(c.fd.get(), header)) {
          c.closed = true;  // reset by the server
        }
      }
      next_line += 1s;
    }
    for (const char* path : {"/healthz", "/metrics"}) {
      const auto t0 = Clock::now();
      const auto r = lw::testing::http_get(s.port, path);
      const auto took = std::chrono::duration<double>(Clock::now() - t0).count();
      INFO(path << " with " << count_open(clients) << " slow connections open, took " << took
                << " s");
      REQUIRE(r.has_value());
      CHECK(r->status == 200);
      CHECK(took < 5.0);
      ++probes;
    }
    notice_closed(clients, 100ms);
  }
  INFO(count_open(clients) << " slow connections still open");
  CHECK(count_open(clients) == 0);
  CHECK(probes >= 2);
  const auto counts = s.server->connection_counts();
  CHECK(counts.head_timeouts + counts.evicted >= 100);
  if (per_address >= 100) {
    CHECK(counts.head_timeouts >= 100);  // none evicted: each held to the deadline
  }
}

TEST_CASE("slow clients: the per-address cap evicts the oldest slow connection at once",
          "[http][server][slow]") {
  ServerOptions options;
  options.header_timeout = 30s;  // so only the cap can close them within the test
  options.max_connections_per_address = 4;
  SmallCollectable metrics;
  Server s(options, metrics);
  std::vector<SlowClient> clients;
  for (int i = 0; i < 6; ++i) {
    SlowClient c{connect_from("127.0.0.3", s.port), false};
    REQUIRE(c.fd.valid());
    REQUIRE(send_all(c.fd.get(), "GET /"));
    clients.push_back(std::move(c));
  }
  const auto give_up = Clock::now() + 10s;
  while ((!clients[0].closed || !clients[1].closed) && Clock::now() < give_up) {
    notice_closed(clients, 100ms);
  }
  CHECK(clients[0].closed);
  CHECK(clients[1].closed);
  CHECK(count_open(clients) == 4);
  // Another address is not affected, and neither is a complete request from the same one.
  CHECK(lw::testing::http_get(s.port, "/healthz").value().status == 200);
  CHECK(s.server->connection_counts().evicted >= 2);
}

TEST_CASE("slow clients: a 10 MiB /metrics body is served whole, plain and gzipped",
          "[http][server][big]") {
  ServerOptions options;
  options.request_timeout = 30s;
  BigCollectable metrics;
  Server s(options, metrics);
  const std::string expected = prometheus::TextSerializer{}.Serialize(metrics.Collect());
  REQUIRE(expected.size() >= 10U * 1024 * 1024);

  const auto plain = lw::testing::http_get(s.port, "/metrics");
  REQUIRE(plain.has_value());
  CHECK(plain->status == 200);
  CHECK(plain->header("Content-Length") == std::to_string(expected.size()));
  CHECK(plain->body.size() == expected.size());
  CHECK(plain->body == expected);

  const auto zipped = lw::testing::http_get(s.port, "/metrics", {{"Accept-Encoding", "gzip"}});
  REQUIRE(zipped.has_value());
  CHECK(zipped->status == 200);
  CHECK(zipped->header("Content-Encoding") == "gzip");
  CHECK(zipped->header("Content-Length") == std::to_string(zipped->body.size()));
  const auto unzipped = gunzip(zipped->body, expected.size() + 1);
  REQUIRE(unzipped.has_value());
  CHECK(*unzipped == expected);
}
