#include "procfs/pressure.h"

#include <array>
#include <string>

#include "base/text.h"

namespace lw::procfs {

namespace {

// "avg10=0.00 avg60=0.00 avg300=0.00 total=12345": exactly these four, in this order.
std::optional<PressureLine> parse_line(std::string_view rest) {
  struct Avg {
    std::string_view key;
    double PressureLine::*member;
  };
  constexpr std::array<Avg, 3> kAvgs{{
      {"avg10", &PressureLine::avg10},
      {"avg60", &PressureLine::avg60},
      {"avg300", &PressureLine::avg300},
  }};
  PressureLine out;
  for (const auto& avg : kAvgs) {
    const auto kv = text::split_once(text::next_token(rest), '=');
    const auto value = kv && kv->first == avg.key ? text::parse_decimal(kv->second) : std::nullopt;
    if (!value) {
      return std::nullopt;
    }
    out.*avg.member = *value;
  }
  const auto kv = text::split_once(text::next_token(rest), '=');
  const auto total = kv && kv->first == "total" ? text::parse_u64(kv->second) : std::nullopt;
  if (!total || !text::trim(rest).empty()) {
    return std::nullopt;
  }
  out.total_us = *total;
  return out;
}

}  // namespace

Result<Pressure> parse_pressure(std::string_view text) {
  Pressure out;
  std::string bad;  // the kind of the first offending line
  text::for_each_line(text, [&](std::string_view line) {
    std::string_view rest = line;
    const std::string_view kind = text::next_token(rest);
    if (!bad.empty() || (kind != "some" && kind != "full")) {
      return;  // other kinds, if a kernel ever adds one, are not ours to judge
    }
    std::optional<PressureLine>& slot = kind == "some" ? out.some : out.full;
    if (slot) {
      bad = "duplicate " + std::string(kind);
      return;
    }
    slot = parse_line(rest);
    if (!slot) {
      bad = "bad " + std::string(kind) + " line";
    }
  });
  if (!bad.empty()) {
    return malformed("pressure: " + bad);
  }
  if (!out.some) {
    return malformed("pressure: no some line");
  }
  return out;
}

}  // namespace lw::procfs
