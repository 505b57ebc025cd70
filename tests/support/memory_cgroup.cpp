#include "support/memory_cgroup.h"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <string_view>

#include <sys/stat.h>
#include <unistd.h>

#include "support/fake_root.h"

namespace lw::testing {

namespace {

constexpr const char* kV1Root = "/sys/fs/cgroup/memory";
constexpr const char* kV2Root = "/sys/fs/cgroup";

bool v2_has_memory_controller() {
  std::string controllers;
  std::getline(std::ifstream(std::string(kV2Root) + "/cgroup.controllers"), controllers);
  return controllers.find("memory") != std::string::npos;
}

std::optional<std::uint64_t> parse_u64(std::string_view text) {
  std::uint64_t v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc{} || end == text.data()) {
    return std::nullopt;
  }
  return v;
}

}  // namespace

TestCgroup::TestCgroup(const std::string& name) {
  for (const bool v1 : {true, false}) {
    const std::string root = v1 ? kV1Root : kV2Root;
    const bool usable =
        v1 ? std::filesystem::exists(root + "/memory.limit_in_bytes") : v2_has_memory_controller();
    if (!usable) {
      continue;
    }
    path_ = root;
    path_ += "/" + name;
    if (::mkdir(path_.c_str(), 0755) == 0 || errno == EEXIST) {
      v1_ = v1;
      rel_ = "/" + name;
      return;
    }
  }
  path_.clear();
}

TestCgroup::~TestCgroup() {
  if (!path_.empty()) {
    ::rmdir(path_.c_str());
  }
}

bool TestCgroup::add_process(int pid) const {
  std::ofstream procs(path_ + "/cgroup.procs");
  procs << pid << std::flush;
  return static_cast<bool>(procs);
}

void TestCgroup::set_limit(std::uint64_t bytes) const {
  // v1's memory+swap limit may never be below the memory limit: raising both needs it written
  // first, lowering second, so it is written on both sides. It is absent when the kernel runs
  // without swap accounting; then there is no swap to escape into either.
  const std::string swap = path_ + (v1_ ? "/memory.memsw.limit_in_bytes" : "/memory.swap.max");
  const bool has_swap_limit = std::filesystem::exists(swap);
  if (v1_ && has_swap_limit) {
    std::ofstream(swap) << bytes;
  }
  std::ofstream(path_ + (v1_ ? "/memory.limit_in_bytes" : "/memory.max")) << bytes;
  if (has_swap_limit) {
    std::ofstream(swap) << (v1_ ? bytes : 0);
  }
}

std::optional<std::uint64_t> TestCgroup::usage_bytes() const {
  std::string text = read_file(path_ + (v1_ ? "/memory.usage_in_bytes" : "/memory.current"));
  while (!text.empty() && text.back() == '\n') {
    text.pop_back();
  }
  return parse_u64(text);
}

std::optional<std::uint64_t> TestCgroup::oom_kills() const {
  const std::string text = read_file(path_ + (v1_ ? "/memory.oom_control" : "/memory.events"));
  constexpr std::string_view kKey = "oom_kill ";
  std::size_t pos = 0;
  while (pos < text.size()) {
    const std::size_t nl = std::min(text.find('\n', pos), text.size());
    const std::string_view line = std::string_view(text).substr(pos, nl - pos);
    if (line.substr(0, kKey.size()) == kKey) {
      return parse_u64(line.substr(kKey.size()));
    }
    pos = nl + 1;
  }
  return std::nullopt;
}

std::vector<std::string> TestCgroup::wrap(const std::vector<std::string>& argv) const {
  std::string cmd = "echo $$ > " + path_ + "/cgroup.procs && exec";
  for (const auto& a : argv) {
    cmd += " '" + a + "'";
  }
  return {"/bin/sh", "-c", cmd};
}

}  // namespace lw::testing
