#include "analysis/recording.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <initializer_list>
#include <limits>
#include <system_error>
#include <utility>

#include "base/text.h"

namespace lw::analysis {

namespace {

constexpr double kSecondsPerDay = 86400.0;
constexpr double kEpoch2000 = 946684800.0;  // timestamps before this are not shown as dates

std::string fixed(double v, int precision) {
  std::array<char, 64> buf{};
  const auto [ptr, ec] =
      std::to_chars(buf.data(), buf.data() + buf.size(), v, std::chars_format::fixed, precision);
  if (ec != std::errc{}) {
    return "?";
  }
  return {buf.data(), ptr};
}

// Joins the parts. Used where a short literal comes first: GCC 12 at -O3 warns falsely on
// "x" + std::string (-Werror=restrict, GCC bug 105329).
std::string concat(std::initializer_list<std::string_view> parts) {
  std::string out;
  for (const std::string_view p : parts) {
    out.append(p);
  }
  return out;
}

// Zero-padded to two digits.
std::string two_digits(unsigned v) {
  std::string s;
  if (v < 10) {
    s.push_back('0');
  }
  s.append(std::to_string(v));
  return s;
}

bool is_leap(std::int64_t y) {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

unsigned days_in_month(std::int64_t y, unsigned m) {
  constexpr std::array<unsigned, 12> kDays = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap(y) ? 29 : kDays[m - 1];
}

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
  if (!y || !mo || !d || !h || !mi || !se || *y < 1970 || *mo < 1 || *mo > 12 || *d < 1 ||
      *d > days_in_month(*y, *mo) || *h > 23 || *mi > 59 || *se > 59) {
    return std::nullopt;
  }
  const std::int64_t days = days_from_civil(*y, *mo, *d);
  return static_cast<double>(days) * kSecondsPerDay + *h * 3600.0 + *mi * 60.0 + *se;
}

std::string quoted(std::string_view s) {
  return concat({"'", text::sanitize_utf8(s, 40), "'"});
}

bool looks_numeric(std::string_view s) {
  return !s.empty() &&
         std::all_of(s.begin(), s.end(), [](char c) { return (c >= '0' && c <= '9') || c == '.'; });
}

// A "classic" tracking-loop line: "YYYY-MM-DD HH:MM:SS RSS: 409600 KB (400 MB)".
std::optional<Sample> parse_loop_line(std::string_view line, std::string& why) {
  if (line.size() < 20) {
    why = "not 'timestamp,bytes' nor 'YYYY-MM-DD HH:MM:SS RSS: <n> KB'";
    return std::nullopt;
  }
  const auto t = parse_datetime(line.substr(0, 19));
  if (!t) {
    why = "bad timestamp " + quoted(line.substr(0, 19));
    return std::nullopt;
  }
  std::string_view rest = text::trim(line.substr(19));
  if (rest.substr(0, 4) != "RSS:") {
    why = "expected 'RSS:' after the time, got " + quoted(rest);
    return std::nullopt;
  }
  rest.remove_prefix(4);
  const std::string_view number = text::next_token(rest);
  const std::string_view unit = text::next_token(rest);
  const auto kib = text::parse_u64(number);
  if (!kib) {
    why = "bad RSS value " + quoted(number);
    return std::nullopt;
  }
  if (unit != "KB" && unit != "kB" && unit != "KiB") {
    why = "RSS unit must be KB (ps prints KiB), got " + quoted(unit);
    return std::nullopt;
  }
  rest = text::trim(rest);
  if (!rest.empty() && (rest.front() != '(' || rest.back() != ')')) {
    why = "unexpected text after the RSS value: " + quoted(rest);
    return std::nullopt;
  }
  return Sample{.t = *t, .v = static_cast<double>(*kib) * 1024.0};
}

const std::array<std::string_view, 8> kBlocks = {"\u2581", "\u2582", "\u2583", "\u2584",
                                                 "\u2585", "\u2586", "\u2587", "\u2588"};

}  // namespace

std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2 ? 1 : 0;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<std::int64_t>(y - era * 400);                       // [0, 399]
  const std::int64_t mp = m > 2 ? m - 3 : m + 9;                                   // [0, 11]
  const std::int64_t doy = (153 * mp + 2) / 5 + static_cast<std::int64_t>(d) - 1;  // [0, 365]
  const std::int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;                  // [0, 146096]
  return era * 146097 + doe - 719468;
}

std::string format_utc(double epoch_seconds) {
  if (!std::isfinite(epoch_seconds)) {
    return "?";
  }
  const auto secs = static_cast<std::int64_t>(std::floor(epoch_seconds + 0.5));
  std::int64_t z = secs >= 0 ? secs / 86400 : (secs - 86399) / 86400;
  const std::int64_t sod = secs - z * 86400;
  // H. Hinnant's civil_from_days.
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const std::int64_t doe = z - era * 146097;
  const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const std::int64_t mp = (5 * doy + 2) / 153;
  const auto d = static_cast<unsigned>(doy - (153 * mp + 2) / 5 + 1);
  const auto m = static_cast<unsigned>(mp < 10 ? mp + 3 : mp - 9);
  const std::int64_t y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  return std::to_string(y) + "-" + two_digits(m) + "-" + two_digits(d) + " " +
         two_digits(static_cast<unsigned>(sod / 3600)) + ":" +
         two_digits(static_cast<unsigned>(sod / 60 % 60)) + ":" +
         two_digits(static_cast<unsigned>(sod % 60));
}

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
    if (error) {
      return;
    }
    const std::string_view line = text::trim(raw);
    if (line.empty() || line.front() == '#') {
      return;
    }
    const bool first = !seen_content;
    seen_content = true;
    const auto fail = [&](const std::string& what) {
      error = malformed("line " + std::to_string(line_no) + ": " + what);
    };

    std::optional<Sample> sample;
    if (const auto cols = text::split_once(line, ',')) {
      const std::string_view ts = text::trim(cols->first);
      const std::string_view value = text::trim(cols->second);
      const auto t = parse_timestamp(ts);
      const auto v = text::parse_decimal(value);
      if (first && !t && !v && !looks_numeric(value)) {
        return;  // a header line such as "timestamp,bytes"
      }
      if (value.find(',') != std::string_view::npos) {
        return fail("expected 2 columns 'timestamp,bytes', got more");
      }
      if (!t) {
        return fail("bad timestamp " + quoted(ts) +
                    " (unix seconds, 'YYYY-MM-DD HH:MM:SS' or 'YYYY-MM-DDTHH:MM:SSZ')");
      }
      if (!v) {
        return fail("bad byte count " + quoted(value));
      }
      sample = Sample{.t = *t, .v = *v};
    } else if (looks_numeric(line)) {
      return fail(
          "a bare value without a time; record 'timestamp,bytes' lines, for example "
          "echo \"$(date +%s),$(($(ps -o rss= -p PID) * 1024))\"");
    } else {
      std::string why;
      sample = parse_loop_line(line, why);
      if (!sample) {
        return fail(why);
      }
    }
    if (!out.empty() && !(sample->t > out.back().t)) {
      return fail("time " + quoted(format_utc(sample->t)) +
                  " is not after the previous sample's (line " + std::to_string(prev_line) + ")");
    }
    out.push_back(*sample);
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

std::string human_bytes(double bytes) {
  if (!std::isfinite(bytes)) {
    return "n/a";
  }
  if (bytes < 0) {
    return concat({"-", human_bytes(-bytes)});
  }
  constexpr std::array<const char*, 6> kUnits = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
  std::size_t unit = 0;
  double v = bytes;
  // 1023.96 KiB would print as "1024.0 KiB": move up once it rounds to 1024.
  while (v >= 1023.95 && unit + 1 < kUnits.size()) {
    v /= 1024.0;
    ++unit;
  }
  if (unit == 0) {
    return fixed(std::round(v), 0) + " B";
  }
  return fixed(v, 1) + " " + kUnits[unit];
}

std::string human_duration(double seconds) {
  if (!std::isfinite(seconds)) {
    return "n/a";
  }
  if (seconds < 0) {
    return concat({"-", human_duration(-seconds)});
  }
  const auto part = [](std::int64_t big, const char* big_unit, std::int64_t small,
                       const char* small_unit) {
    std::string s = std::to_string(big) + big_unit;
    if (small != 0) {
      s += std::to_string(small) + small_unit;
    }
    return s;
  };
  const auto whole = static_cast<std::int64_t>(std::llround(seconds));
  if (whole < 60) {
    return std::to_string(whole) + "s";
  }
  if (whole < 3600) {
    return part(whole / 60, "m", whole % 60, "s");
  }
  const auto minutes = static_cast<std::int64_t>(std::llround(seconds / 60));
  if (minutes < std::int64_t{24} * 60) {
    return part(minutes / 60, "h", minutes % 60, "m");
  }
  const auto hours = static_cast<std::int64_t>(std::llround(seconds / 3600));
  return part(hours / 24, "d", hours % 24, "h");
}

std::string sparkline(std::span<const Sample> samples, std::size_t width) {
  if (samples.empty() || width == 0) {
    return "";
  }
  const std::size_t n = samples.size();
  std::vector<double> sum;
  std::vector<std::size_t> count;
  if (n <= width) {
    width = n;
    sum.resize(n);
    count.assign(n, 1);
    for (std::size_t i = 0; i < n; ++i) {
      sum[i] = samples[i].v;
    }
  } else {
    sum.assign(width, 0.0);
    count.assign(width, 0);
    const double t0 = samples.front().t;
    const double span = samples.back().t - t0;
    for (const Sample& s : samples) {
      std::size_t col = 0;
      if (span > 0) {
        const double x = (s.t - t0) / span * static_cast<double>(width);
        col = x > 0 ? std::min(width - 1, static_cast<std::size_t>(x)) : 0;
      }
      sum[col] += s.v;
      ++count[col];
    }
  }
  double lo = std::numeric_limits<double>::infinity();
  double hi = -lo;
  for (std::size_t c = 0; c < width; ++c) {
    if (count[c] > 0) {
      const double mean = sum[c] / static_cast<double>(count[c]);
      sum[c] = mean;
      lo = std::min(lo, mean);
      hi = std::max(hi, mean);
    }
  }
  std::string out;
  out.reserve(width * 3);
  for (std::size_t c = 0; c < width; ++c) {
    if (count[c] == 0) {
      out += ' ';
      continue;
    }
    std::size_t level = 0;
    if (hi > lo) {
      const double x = (sum[c] - lo) / (hi - lo) * 7.0;
      level = std::min<std::size_t>(7, static_cast<std::size_t>(std::lround(x)));
    }
    out += kBlocks[level];
  }
  return out;
}

std::string render_analysis(std::span<const Sample> samples, std::optional<double> limit_bytes,
                            const Thresholds& thresholds) {
  std::string out;
  const auto row = [&](std::string_view key, const std::string& value) {
    out += "  ";
    out += key;
    out.append(key.size() < 12 ? 12 - key.size() : 1, ' ');
    out += value;
    out += '\n';
  };
  const auto rate_text = [](const std::optional<double>& r) -> std::string {
    if (!r) {
      return "n/a (needs 3 samples over 2 distinct times)";
    }
    const double per_hour = *r * 3600.0;
    return concat({per_hour >= 0 ? "+" : "", human_bytes(per_hour), "/h"});
  };
  out += "leakwatch analysis\n";
  if (samples.empty()) {
    row("samples", "0");
    return out;
  }
  const double t0 = samples.front().t;
  const double t1 = samples.back().t;
  const double span = t1 - t0;
  const bool dated = t0 >= kEpoch2000;
  std::string when = std::to_string(samples.size()) + " over " + human_duration(span);
  if (dated) {
    when += " (" + format_utc(t0) + " .. " + format_utc(t1) + " UTC)";
  }
  row("samples", when);
  const double current = samples.back().v;
  row("current", human_bytes(current));

  const Verdict v = classify(samples, span, thresholds);
  row("rate", rate_text(v.rate_per_second));
  row("floor rate", rate_text(v.floor_rate_per_second));
  row("pattern", std::string(pattern_name(v.pattern)));
  std::string verdict;
  if (v.suspect) {
    verdict = "LEAK SUSPECT (score " + fixed(v.score, 2) + ")";
  } else if (v.pattern == Pattern::kLeak) {
    verdict = "possible leak, below the suspect score (score " + fixed(v.score, 2) + " < " +
              fixed(thresholds.suspect_score, 2) + ")";
  } else if (v.pattern == Pattern::kGrowing) {
    verdict = "growing, not enough history to judge (observed " +
              human_duration(v.observed_seconds) + ", a verdict needs " +
              human_duration(thresholds.min_observed_seconds) + " of steady growth)";
  } else {
    verdict = "no leak (pattern: " + std::string(pattern_name(v.pattern)) + ")";
  }
  row("verdict", verdict);

  if (limit_bytes) {
    // Extrapolate only steady growth: the median rate of a sawtooth or of a finished warm-up is
    // not where the process is heading.
    const bool steady = v.pattern == Pattern::kLeak || v.pattern == Pattern::kGrowing;
    const std::string limit = human_bytes(*limit_bytes);
    const std::optional<double> left =
        seconds_to_limit(current, steady ? v.rate_per_second.value_or(0) : 0.0, *limit_bytes);
    if (left && *left <= 0) {
      row("limit", limit + " already reached");
    } else if (!left) {
      row("limit", limit + " not reached at the current rate (no steady growth)");
    } else {
      std::string text = limit + " reached in ~" + human_duration(*left);
      if (dated) {
        text += " (at " + format_utc(t1 + *left) + " UTC)";
      }
      row("limit", text);
    }
  }
  row("series", sparkline(samples, 60));
  return out;
}

}  // namespace lw::analysis
