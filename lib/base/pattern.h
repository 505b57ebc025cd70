#pragma once

// Every regex a user writes (config matchers and cgroup filters) is a Pattern: RE2 syntax,
// matched in linear time without recursion. std::regex recursed once per character, and a
// cmdline can be 64 KiB (a long Java classpath), enough to overflow the scanner thread's stack.
// Matching is byte-wise (RE2's Latin-1 mode), as std::regex on char was: '.' matches any byte
// but '\n', so process names that are not valid UTF-8 still match ".*".
// Only lib/base includes <re2/re2.h>; users see this small copyable handle.

#include <memory>
#include <string>
#include <string_view>

#include "base/result.h"

namespace re2 {
class RE2;
}  // namespace re2

namespace lw {

class Pattern {
 public:
  // Errors are kMalformed with a detail that does not repeat the pattern, e.g. "missing ): (a".
  // Backreferences (\1, \k<name>, (?P=name)) and lookaround ((?=, (?!, (?<=, (?<!) get a detail
  // that says RE2 syntax has none, since they are what a PCRE or ECMAScript user would try first.
  static Result<Pattern> compile(std::string_view pattern);

  // The whole text matches (as std::regex_match).
  bool full_match(std::string_view text) const;
  // Some part of the text matches (as std::regex_search).
  bool partial_match(std::string_view text) const;

  const std::string& source() const;

 private:
  explicit Pattern(std::shared_ptr<const re2::RE2> re) : re_(std::move(re)) {}

  // Shared and const: RE2 is thread-safe for matching, and copies (one per rules snapshot) stay
  // cheap.
  std::shared_ptr<const re2::RE2> re_;
};

}  // namespace lw
