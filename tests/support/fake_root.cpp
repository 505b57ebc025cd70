#include "support/fake_root.h"

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <sstream>
#include <stdexcept>
#include <system_error>
#include <vector>

#include <catch2/catch.hpp>

namespace lw::testing {

FakeRoot::FakeRoot() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "lw-test-XXXXXX").string();
  std::vector<char> buf(tmpl.begin(), tmpl.end());
  buf.push_back('\0');
  if (::mkdtemp(buf.data()) == nullptr) {
    throw std::runtime_error("mkdtemp failed");
  }
  root_ = buf.data();
}

FakeRoot::~FakeRoot() {
  std::error_code ec;
  std::filesystem::remove_all(root_, ec);
}

FakeRoot& FakeRoot::file(std::string_view rel, std::string_view content) {
  const auto p = root_ / rel;
  std::filesystem::create_directories(p.parent_path());
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(content.data(), static_cast<std::streamsize>(content.size()));
  return *this;
}

FakeRoot& FakeRoot::dir(std::string_view rel) {
  std::filesystem::create_directories(root_ / rel);
  return *this;
}

FakeRoot& FakeRoot::remove(std::string_view rel) {
  std::error_code ec;
  std::filesystem::remove_all(root_ / rel, ec);
  return *this;
}

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string fixture(std::string_view rel) {
  const std::filesystem::path p = std::filesystem::path(LW_FIXTURES_DIR) / rel;
  std::ifstream in(p, std::ios::binary);
  INFO("fixture " << p.string());
  REQUIRE(in.good());
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

}  // namespace lw::testing
