// Catch2's main, shared by every test executable, with one addition: a run in which nothing
// failed but a case was skipped (LW_SKIP, tests/support/skip.h) exits with the code in
// LW_SKIP_RETURN_CODE when that is set (ctest sets it; see tests/CMakeLists.txt).
#define CATCH_CONFIG_RUNNER
#include <charconv>
#include <cstdlib>
#include <iostream>
#include <string_view>

#include <catch2/catch.hpp>

#include "support/skip.h"

namespace {

int skip_return_code() {
  // NOLINTNEXTLINE(concurrency-mt-unsafe): after the run, nothing changes the environment
  const char* value = std::getenv("LW_SKIP_RETURN_CODE");
  if (value == nullptr) {
    return 0;
  }
  const std::string_view text(value);
  int code = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), code);
  return ec == std::errc() && end == text.data() + text.size() ? code : 0;
}

}  // namespace

int main(int argc, char* argv[]) {
  const int failed = Catch::Session().run(argc, argv);
  const auto& skipped = lw::testing::skipped_cases();
  if (skipped.empty()) {
    return failed;
  }
  std::cout << skipped.size() << " test case(s) skipped:\n";
  for (const auto& line : skipped) {
    std::cout << "  SKIPPED " << line << "\n";
  }
  return failed == 0 ? skip_return_code() : failed;
}
