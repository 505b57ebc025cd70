#include "base/keyed.h"

#include <string>
#include <utility>

#include "base/text.h"

namespace lw::keyed {

std::optional<std::uint64_t> parse_number(std::string_view number_text, Unit unit) {
  switch (unit) {
    case Unit::kKib:
      return text::parse_kib_as_bytes(number_text);
    case Unit::kNone:
      return text::parse_u64(number_text);
  }
  return std::nullopt;
}

std::optional<Line> split_line(std::string_view line, const Format& format) {
  Line out{.text = line, .key = {}, .value = {}, .number = std::nullopt};
  std::string_view number_text;
  switch (format.separator) {
    case Separator::kColon: {
      const auto kv = text::split_once(line, ':');
      if (!kv) {
        return std::nullopt;
      }
      out.key = kv->first;
      out.value = kv->second;
      number_text = text::trim(kv->second);
      break;
    }
    case Separator::kSpace: {
      // Exactly what "%s %llu\n" prints: no trimming, so a tab or a second space is malformed.
      const auto kv = text::split_once(line, ' ');
      if (!kv || kv->first.empty()) {
        return std::nullopt;
      }
      out.key = kv->first;
      out.value = kv->second;
      number_text = kv->second;
      break;
    }
    case Separator::kBlanks: {
      std::string_view rest = line;
      out.key = text::next_token(rest);
      if (out.key.empty()) {
        return std::nullopt;
      }
      out.value = text::trim(rest);
      number_text = text::next_token(rest);
      if (!text::trim(rest).empty()) {
        number_text = {};  // a second token: not one number
      }
      break;
    }
  }
  out.number = parse_number(number_text, format.unit);
  return out;
}

Error bad_line(std::string_view file, std::string_view line) {
  std::string detail(file);
  detail += ": bad line '";
  detail += text::sanitize_utf8(line, 80);
  detail += "'";
  return malformed(std::move(detail));
}

Error problem_error(std::string_view file, const Format& format, const Problem& problem) {
  if (format.strictness == Strictness::kStrict || problem.key.empty()) {
    return bad_line(file, problem.line);
  }
  std::string detail(file);
  detail += ": bad value for ";
  detail += problem.key;
  return malformed(std::move(detail));
}

}  // namespace lw::keyed
