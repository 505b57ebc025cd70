#include "support/skip.h"

#include <cstdlib>
#include <string_view>

namespace lw::testing {

bool host_mutating_enabled() {
  // NOLINTNEXTLINE(concurrency-mt-unsafe): no test changes the environment
  const char* value = std::getenv("LW_TEST_HOST_MUTATING");
  return value != nullptr && std::string_view(value) == "1";
}

}  // namespace lw::testing
