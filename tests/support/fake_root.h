#pragma once

// A throw-away directory tree for fixture and race tests (mkdtemp, removed in the destructor),
// as below's TestProcfs. Files are written with exactly the given bytes.

#include <filesystem>
#include <string>
#include <string_view>

namespace lw::testing {

class FakeRoot {
 public:
  FakeRoot();
  FakeRoot(const FakeRoot&) = delete;
  FakeRoot& operator=(const FakeRoot&) = delete;
  ~FakeRoot();

  // Creates parent directories as needed; returns *this for chaining.
  FakeRoot& file(std::string_view rel, std::string_view content);
  FakeRoot& dir(std::string_view rel);
  FakeRoot& remove(std::string_view rel);

  const std::filesystem::path& path() const { return root_; }
  std::filesystem::path operator/(std::string_view rel) const { return root_ / rel; }

 private:
  std::filesystem::path root_;
};

// Reads LW_FIXTURES_DIR "/" rel; fails the test when the file is missing.
std::string fixture(std::string_view rel);

// Reads a whole file; empty string when it cannot be read.
std::string read_file(const std::filesystem::path& p);

}  // namespace lw::testing
