// Fuzz target: the config loader (YAML text -> lw::config::Config, lib/config) and its units.
// First byte: 0 YAML document, 1 duration text, 2 size text (see kParsers).

#include "config/config.h"

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <string_view>

#include "fuzz/fuzz_check.h"

namespace {

using lw::fuzz::check;
using lw::fuzz::check_parse;

void yaml(std::string_view text) {
  const auto config = lw::config::parse_config(text, "fuzz.yaml");
  check_parse(config);
  if (config) {
    // parse_config validated it; validating again changes nothing (normalisation is idempotent).
    const auto again = lw::config::validate(*config);
    check(again.has_value(), "a parsed config validates");
    check(*again == *config, "validation is idempotent");
  }
}

void duration(std::string_view text) {
  if (const auto d = lw::config::parse_duration(text)) {
    const auto back = lw::config::parse_duration(lw::config::format_duration(*d));
    check(back && *back == *d, "format_duration reads back as the same duration");
  }
}

void size(std::string_view text) {
  (void)lw::config::parse_size(text);
}

constexpr void (*kParsers[])(std::string_view) = {yaml, duration, size};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size_bytes) {
  constexpr std::size_t count = std::size(kParsers);
  const auto [which, text] = lw::fuzz::select(data, size_bytes, count);
  if (which < count) {
    kParsers[which](text);
  }
  return 0;
}
