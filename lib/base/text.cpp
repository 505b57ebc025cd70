#include "base/text.h"

#include <cstddef>
#include <limits>

namespace lw::text {

namespace {
constexpr bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}
}  // namespace

std::optional<double> parse_decimal(std::string_view s) {
  const auto dot = s.find('.');
  const std::string_view int_part = dot == std::string_view::npos ? s : s.substr(0, dot);
  const auto whole = parse_u64(int_part);
  if (!whole) {
    return std::nullopt;
  }
  auto value = static_cast<double>(*whole);
  if (dot != std::string_view::npos) {
    const std::string_view frac = s.substr(dot + 1);
    if (frac.empty() || frac.size() > 18) {
      return std::nullopt;
    }
    const auto digits = parse_u64(frac);
    if (!digits) {
      return std::nullopt;
    }
    double scale = 1.0;
    for (std::size_t i = 0; i < frac.size(); ++i) {
      scale *= 10.0;
    }
    value += static_cast<double>(*digits) / scale;
  }
  return value;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) {
    s.remove_prefix(1);
  }
  while (!s.empty() && is_space(s.back())) {
    s.remove_suffix(1);
  }
  return s;
}

std::optional<std::pair<std::string_view, std::string_view>> split_once(std::string_view s,
                                                                        char sep) {
  const auto pos = s.find(sep);
  if (pos == std::string_view::npos) {
    return std::nullopt;
  }
  return std::pair{s.substr(0, pos), s.substr(pos + 1)};
}

std::string_view next_token(std::string_view& rest) {
  std::size_t i = 0;
  while (i < rest.size() && (rest[i] == ' ' || rest[i] == '\t')) {
    ++i;
  }
  std::size_t j = i;
  while (j < rest.size() && rest[j] != ' ' && rest[j] != '\t') {
    ++j;
  }
  const std::string_view token = rest.substr(i, j - i);
  rest.remove_prefix(j);
  return token;
}

std::optional<std::uint64_t> parse_kib_as_bytes(std::string_view v) {
  v = trim(v);
  std::string_view rest = v;
  const std::string_view number = next_token(rest);
  const std::string_view unit = next_token(rest);
  if (unit != "kB" || !trim(rest).empty()) {
    return std::nullopt;
  }
  const auto kib = parse_u64(number);
  if (!kib) {
    return std::nullopt;
  }
  return checked_mul(*kib, 1024);
}

std::size_t utf8_sequence_length(std::string_view s, std::size_t i) {
  const auto c = static_cast<unsigned char>(s[i]);
  std::size_t len = 0;
  if (c < 0x80) {
    return 1;
  }
  if (c >= 0xC2 && c <= 0xDF) {
    len = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    len = 3;
  } else if (c >= 0xF0 && c <= 0xF4) {
    len = 4;
  } else {
    return 0;  // a continuation byte, or a lead byte of an overlong or too-large form
  }
  if (len > s.size() - i) {
    return 0;
  }
  for (std::size_t k = 1; k < len; ++k) {
    if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) {
      return 0;
    }
  }
  // The second byte's range rules out overlong forms, surrogates and code points > U+10FFFF.
  const auto c1 = static_cast<unsigned char>(s[i + 1]);
  if ((c == 0xE0 && c1 < 0xA0) || (c == 0xED && c1 > 0x9F) || (c == 0xF0 && c1 < 0x90) ||
      (c == 0xF4 && c1 > 0x8F)) {
    return 0;
  }
  return len;
}

bool valid_utf8(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    const std::size_t len = utf8_sequence_length(s, i);
    if (len == 0) {
      return false;
    }
    i += len;
  }
  return true;
}

std::string sanitize_utf8(std::string_view in, std::size_t max_bytes) {
  std::string out;
  out.reserve(in.size() < max_bytes ? in.size() : max_bytes);
  const auto push = [&](std::string_view piece) {
    if (out.size() + piece.size() > max_bytes) {
      return false;
    }
    out.append(piece);
    return true;
  };
  constexpr std::string_view kReplacement = "\xEF\xBF\xBD";
  std::size_t i = 0;
  while (i < in.size()) {
    const std::size_t len = utf8_sequence_length(in, i);
    const auto c = static_cast<unsigned char>(in[i]);
    bool fits = true;
    if (len == 0) {
      fits = push(kReplacement);
      i += 1;
    } else if (len == 1 && (c < 0x20 || c == 0x7F)) {
      fits = push("?");
      i += 1;
    } else {
      fits = push(in.substr(i, len));
      i += len;
    }
    if (!fits) {
      break;
    }
  }
  return out;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) {
    return false;
  }
  const auto lower = [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; };
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) {
      return false;
    }
  }
  return true;
}

std::string markup_escape(std::string_view s) {
  const std::string clean = sanitize_utf8(s, std::numeric_limits<std::size_t>::max());
  std::string out;
  out.reserve(clean.size() + clean.size() / 8);
  for (const char c : clean) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

}  // namespace lw::text
