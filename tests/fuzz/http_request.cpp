// Fuzz target: the HTTP request path without sockets: the bytes of a request head through
// RequestHead (http-parser, the size bound, the path normalisation), then Router::answer
// (routing, query, Basic auth, Accept-Encoding, gzip) over a hand-built report.
// First byte: bit 0 routes through a router with Basic auth; bits 1-7 split the input into two
// feed() calls at that many bytes (a head that arrives in pieces).
// Properties: no crash; the answer is a whole HTTP/1.1 message; no 500 (internal_errors() stays
// 0); a routed path starts with '/' and has no "." or ".." segment.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>

#include "export/report_board.h"
#include "fuzz/fuzz_check.h"
#include "http/auth_fixture.h"
#include "http/basic_auth.h"
#include "http/gzip.h"
#include "http/report_fixture.h"
#include "http/request_head.h"
#include "http/router.h"

namespace {

using lw::fuzz::check;

class OneGauge final : public prometheus::Collectable {
 public:
  std::vector<prometheus::MetricFamily> Collect() const override {
    prometheus::MetricFamily family;
    family.name = "leakwatch_fuzz_gauge";
    family.help = "One gauge.";
    family.type = prometheus::MetricType::Gauge;
    prometheus::ClientMetric m;
    m.label = {{"comm", lw::testing::kHostileComm}};
    m.gauge.value = 1;
    family.metric.push_back(m);
    return {family};
  }
};

struct Fixture {
  lw::exporter::ReportBoard board;
  OneGauge metrics;
  std::unique_ptr<lw::http::Router> open;
  std::unique_ptr<lw::http::Router> guarded;

  Fixture() {
    board.publish(std::make_shared<const lw::analysis::Report>(lw::testing::sample_report()));
    open = std::make_unique<lw::http::Router>(board, metrics, nullptr, nullptr);
    auto auth = lw::http::BasicAuth::create({{"alice", lw::testing::kAliceHash}});
    check(auth.has_value(), "the test hash is accepted");
    guarded = std::make_unique<lw::http::Router>(board, metrics, nullptr, std::move(*auth));
  }
};

void check_path(std::string_view path) {
  check(!path.empty() && path.front() == '/', "a routed path starts with '/'");
  std::size_t start = 1;
  while (start <= path.size()) {
    const std::size_t end = std::min(path.find('/', start), path.size());
    const std::string_view segment = path.substr(start, end - start);
    check(segment != "." && segment != "..", "no dot segment survives normalisation");
    start = end + 1;
  }
}

void check_answer(const std::string& answer) {
  check(answer.rfind("HTTP/1.1 ", 0) == 0 && answer.size() >= 12, "a status line");
  check(answer.find("\r\n\r\n") != std::string::npos, "the head ends");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static Fixture fixture;
  if (size == 0) {
    return 0;
  }
  const bool with_auth = (data[0] & 1U) != 0;
  const std::string_view bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
  const std::size_t split = std::min<std::size_t>(data[0] >> 1U, bytes.size());

  (void)lw::http::accepts_gzip(bytes);
  (void)lw::http::parse_basic_authorization(bytes);
  check_path(lw::http::normalize_path(bytes));

  lw::http::RequestHead head(16384);
  auto state = head.feed(bytes.substr(0, split));
  if (state == lw::http::RequestHead::State::kIncomplete) {
    state = head.feed(bytes.substr(split));
  }
  if (state != lw::http::RequestHead::State::kComplete) {
    return 0;
  }
  const lw::http::Request& request = head.request();
  check_path(request.path);
  lw::http::Router& router = with_auth ? *fixture.guarded : *fixture.open;
  const std::uint64_t errors_before = router.internal_errors();
  check_answer(router.answer(request));
  check(router.internal_errors() == errors_before, "no internal error (500)");
  return 0;
}
