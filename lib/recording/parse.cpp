#include "recording/parse.h"

#include <algorithm>
#include <chrono>
#include <string>

#include <fmt/core.h>

#include "base/text.h"
#include "format/utc_time.h"

namespace lw::recording {
namespace {

// "YYYY-MM-DD HH:MM:SS" or "YYYY-MM-DDTHH:MM:SS" with an optional trailing 'Z'; always UTC.
std::optional<double> parse_datetime(std::string_view s) {
  if (!s.empty() && s.back() == 'Z') {
    s.remove_suffix(1);
  }
  if (s.size() != 19 || s[4] != '-' || s[7] != '-' || (s[10] != ' ' && s[10] != 'T') ||
      s[13] != ':' || s[16] != ':') {
    return std::nullopt;
  }
  const auto field = [&](std::size_t pos, std::size_t len) {
    return text::parse_int<unsigned>(s.substr(pos, len));
  };
  const auto y = field(0, 4);
  const auto mo = field(5, 2);
  const auto d = field(8, 2);
  const auto h = field(11, 2);
  const auto mi = field(14, 2);
  const auto se = field(17, 2);
  if (!y || !mo || !d || !h || !mi || !se || *y < 1970 || *h > 23 || *mi > 59 || *se > 59) {
    return std::nullopt;
  }
  const std::chrono::year_month_day date{std::chrono::year{static_cast<int>(*y)},
                                         std::chrono::month{*mo}, std::chrono::day{*d}};
  if (!date.ok()) {
    return std::nullopt;  // month 13, February 30th, ...
  }
  const auto time = std::chrono::sys_days{date} + std::chrono::hours{*h} +
                    std::chrono::minutes{*mi} + std::chrono::seconds{*se};
  return static_cast<double>(time.time_since_epoch().count());
}

std::string quoted(std::string_view s) {
  return fmt::format("'{}'", text::sanitize_utf8(s, 40));
}

bool looks_numeric(std::string_view s) {
  return !s.empty() &&
         std::all_of(s.begin(), s.end(), [](char c) { return (c >= '0' && c <= '9') || c == '.'; });
}

// A "classic" tracking-loop line: "YYYY-MM-DD HH:MM:SS RSS: 409600 KB (400 MB)".
Result<Sample> parse_loop_line(std::string_view line) {
  if (line.size() < 20) {
    return malformed("not 'timestamp,bytes' nor 'YYYY-MM-DD HH:MM:SS RSS: <n> KB'");
  }
  const auto t = parse_datetime(line.substr(0, 19));
  if (!t) {
    return malformed("bad timestamp " + quoted(line.substr(0, 19)));
  }
  std::string_view rest = text::trim(line.substr(19));
  if (rest.substr(0, 4) != "RSS:") {
    return malformed("expected 'RSS:' after the time, got " + quoted(rest));
  }
  rest.remove_prefix(4);
  const std::string_view number = text::next_token(rest);
  const std::string_view unit = text::next_token(rest);
  const auto kib = text::parse_u64(number);
  if (!kib) {
    return malformed("bad RSS value " + quoted(number));
  }
  if (unit != "KB" && unit != "kB" && unit != "KiB") {
    return malformed("RSS unit must be KB (ps prints KiB), got " + quoted(unit));
  }
  rest = text::trim(rest);
  if (!rest.empty() && (rest.front() != '(' || rest.back() != ')')) {
    return malformed("unexpected text after the RSS value: " + quoted(rest));
  }
  return Sample{.t = *t, .bytes = static_cast<double>(*kib) * 1024.0};
}

// A "timestamp,bytes" line; nullopt (no error) for a header line such as "timestamp,bytes",
// which may only come first.
Result<std::optional<Sample>> parse_csv_line(std::string_view ts, std::string_view value,
                                             bool first) {
  ts = text::trim(ts);
  value = text::trim(value);
  const auto t = parse_timestamp(ts);
  const auto v = text::parse_decimal(value);
  if (first && !t && !v && !looks_numeric(value)) {
    return std::optional<Sample>{};
  }
  if (value.find(',') != std::string_view::npos) {
    return malformed("expected 2 columns 'timestamp,bytes', got more");
  }
  if (!t) {
    return malformed("bad timestamp " + quoted(ts) +
                     " (unix seconds, 'YYYY-MM-DD HH:MM:SS' or 'YYYY-MM-DDTHH:MM:SSZ')");
  }
  if (!v) {
    return malformed("bad byte count " + quoted(value));
  }
  return std::optional<Sample>{Sample{.t = *t, .bytes = *v}};
}

// One non-blank, non-comment line: a sample, nullopt for a header, or an error.
Result<std::optional<Sample>> parse_line(std::string_view line, bool first) {
  if (const auto cols = text::split_once(line, ',')) {
    return parse_csv_line(cols->first, cols->second, first);
  }
  if (looks_numeric(line)) {
    return malformed(
        "a bare value without a time; record 'timestamp,bytes' lines, for example "
        "echo \"$(date +%s),$(($(ps -o rss= -p PID) * 1024))\"");
  }
  auto sample = parse_loop_line(line);
  if (!sample) {
    return sample.error();
  }
  return std::optional<Sample>{*sample};
}

}  // namespace

std::optional<double> parse_timestamp(std::string_view s) {
  s = text::trim(s);
  if (const auto unix_seconds = text::parse_decimal(s)) {
    return unix_seconds;
  }
  return parse_datetime(s);
}

Result<std::vector<Sample>> parse_recording(std::string_view text) {
  std::vector<Sample> out;
  std::optional<Error> error;
  std::size_t line_no = 0;
  std::size_t prev_line = 0;
  bool seen_content = false;
  text::for_each_line(text, [&](std::string_view raw) {
    ++line_no;
    const std::string_view line = text::trim(raw);
    if (error || line.empty() || line.front() == '#') {
      return;
    }
    const bool first = !seen_content;
    seen_content = true;
    const auto fail = [&](const std::string& what) {
      error = malformed(fmt::format("line {}: {}", line_no, what));
    };
    const auto sample = parse_line(line, first);
    if (!sample) {
      return fail(sample.error().detail);
    }
    if (!*sample) {
      return;  // the header
    }
    if (!out.empty() && !((*sample)->t > out.back().t)) {
      return fail(fmt::format("time {} is not after the previous sample's (line {})",
                              quoted(format::utc_time((*sample)->t)), prev_line));
    }
    out.push_back(**sample);
    prev_line = line_no;
  });
  if (error) {
    return *error;
  }
  if (out.empty()) {
    return malformed("no samples (expected 'timestamp,bytes' lines)");
  }
  return out;
}

}  // namespace lw::recording
