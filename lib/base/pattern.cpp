#include "base/pattern.h"

#include <memory>
#include <string>
#include <string_view>

#include <re2/re2.h>

namespace lw {

namespace {

constexpr std::string_view kNotRe2 = " (user regexes are RE2 syntax)";

// RE2 reports a backreference as a bad escape ("\1", "\k") or a bad perl operator ("(?P" for
// "(?P=name)"), and lookaround as a bad perl operator ("(?=", "(?!", "(?<"). Say what they are.
std::string describe_error(const re2::RE2& re, std::string_view pattern) {
  const std::string& arg = re.error_arg();
  const bool bad_escape = re.error_code() == re2::RE2::ErrorBadEscape;
  const bool bad_perl_op = re.error_code() == re2::RE2::ErrorBadPerlOp;
  if (bad_escape && arg.size() == 2 &&
      ((arg[1] >= '1' && arg[1] <= '9') || arg[1] == 'k' || arg[1] == 'g')) {
    return "backreferences such as " + arg + " are not supported" + std::string(kNotRe2);
  }
  if (bad_perl_op && arg == "(?P" && pattern.find("(?P=") != std::string_view::npos) {
    return "backreferences such as (?P=name) are not supported" + std::string(kNotRe2);
  }
  if (bad_perl_op && (arg == "(?=" || arg == "(?!")) {
    return "lookaround such as " + arg + " is not supported" + std::string(kNotRe2);
  }
  if (bad_perl_op && arg == "(?<") {  // also "(?<name>", which RE2 spells "(?P<name>"
    for (const std::string_view lookbehind : {"(?<=", "(?<!"}) {
      if (pattern.find(lookbehind) != std::string_view::npos) {
        return "lookaround such as " + std::string(lookbehind) + " is not supported" +
               std::string(kNotRe2);
      }
    }
  }
  return re.error();
}

}  // namespace

Result<Pattern> Pattern::compile(std::string_view pattern) {
  re2::RE2::Options options;
  options.set_encoding(re2::RE2::Options::EncodingLatin1);  // byte-wise, see pattern.h
  options.set_log_errors(false);  // the caller reports the error, with the config key
  auto re =
      std::make_shared<const re2::RE2>(re2::StringPiece(pattern.data(), pattern.size()), options);
  if (!re->ok()) {
    return malformed(describe_error(*re, pattern));
  }
  return Pattern(std::move(re));
}

bool Pattern::full_match(std::string_view text) const {
  return re2::RE2::FullMatch(re2::StringPiece(text.data(), text.size()), *re_);
}

bool Pattern::partial_match(std::string_view text) const {
  return re2::RE2::PartialMatch(re2::StringPiece(text.data(), text.size()), *re_);
}

const std::string& Pattern::source() const {
  return re_->pattern();
}

}  // namespace lw
