// Saving the history snapshot in pieces (store::save_store): the file holds exactly the bytes
// serialize_store() returns, it restores, and the payload reaches the file in bounded pieces, so
// saving does not hold the store's size again in memory. A failure at any step, including a write
// in the middle of the payload, leaves the previous snapshot whole and no temp file.

#include <algorithm>
#include <csignal>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include <sys/resource.h>

#include <catch2/catch.hpp>

#include "analysis/snapshot_workload.h"
#include "store/snapshot_file.h"
#include "support/fake_root.h"

namespace lw::analysis {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kMachine = "0123456789abcdef0123456789abcdef";

// A history whose payload is several pieces long: `procs` processes over `scans` scans, each
// moving a little every scan (so the series do not compress to nothing).
SeriesStore large_history(int procs, int scans) {
  SeriesStore h(test_options());
  for (int i = 0; i < scans; ++i) {
    model::Snapshot s = scan_at(kSteady0 + i * kStep, kWall0 + i * kStep);
    const auto n = static_cast<std::uint64_t>(i);
    for (int p = 0; p < procs; ++p) {
      const auto k = static_cast<std::uint64_t>(p);
      s.processes.push_back(proc({p + 10, 1000 + k}, "proc" + std::to_string(p),
                                 2000 + 37 * k + (n * 7919 + k * 104729) % 4099, 10 + (n + k) % 9));
    }
    h.append(s, {});
  }
  return h;
}

std::vector<std::string> list_dir(const fs::path& dir) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir)) {
    names.push_back(entry.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

TEST_CASE("history snapshot: save_store writes serialize_store's bytes, in bounded pieces",
          "[analysis]") {
  const SeriesStore h = large_history(500, 180);
  const std::string annotations(5000, 'a');
  const std::string whole = serialize_store(h, kBoot, annotations, kMachine);
  REQUIRE(whole.size() > 3 * store::kPayloadPieceBytes);

  std::vector<std::size_t> pieces;
  store::stream_store_payload(h, kBoot, annotations, kMachine,
                              [&](std::string_view piece) { pieces.push_back(piece.size()); });
  CHECK(pieces.size() >= 4);
  // A piece is flushed once it reaches the bound: it holds at most one record more than that.
  CHECK(*std::max_element(pieces.begin(), pieces.end()) <
        store::kPayloadPieceBytes + std::size_t{16} * 1024);

  lw::testing::FakeRoot root;
  root.dir("state");
  const std::string path = (root / "state/history.snap").string();
  const auto written = store::save_store(path, h, kBoot, annotations, kMachine);
  REQUIRE(written.has_value());
  CHECK(*written == whole.size());
  const auto back = store::read_file(path, std::size_t{1} << 30);
  REQUIRE(back.has_value());
  CHECK(*back == whole);
  CHECK(list_dir(root / "state") == std::vector<std::string>{"history.snap"});

  SeriesStore restored(test_options());
  std::string restored_annotations;
  const auto last = newest(h);
  REQUIRE(restore_store(restored, *back, last.steady_ms, last.wall_ms, all_running, kBoot,
                        &restored_annotations, kMachine));
  CHECK(restored.processes().size() == 500);
  CHECK(restored_annotations == annotations);
  CHECK(serialize_store(restored, kBoot, annotations, kMachine) == whole);
}

TEST_CASE("history snapshot: a failed save leaves the previous file whole and no temp file",
          "[analysis]") {
  const SeriesStore h = large_history(50, 40);
  lw::testing::FakeRoot root;

  const auto missing =
      store::save_store((root / "missing/history.snap").string(), h, kBoot, "", "");
  REQUIRE_FALSE(missing.has_value());
  CHECK(missing.error().kind == ErrorKind::kIo);
  CHECK(missing.error().detail.rfind("create ", 0) == 0);

  root.file("state/history.snap/keep", "old");  // the target is a non-empty directory
  const auto blocked = store::save_store((root / "state/history.snap").string(), h, kBoot, "", "");
  REQUIRE_FALSE(blocked.has_value());
  CHECK(blocked.error().detail.rfind("rename to ", 0) == 0);
  CHECK(list_dir(root / "state") == std::vector<std::string>{"history.snap"});
  CHECK(lw::testing::read_file(root / "state/history.snap/keep") == "old");
}

// RLIMIT_FSIZE for the scope of one test, with SIGXFSZ ignored, so that a write past the limit
// fails with EFBIG instead of killing the test process: a write error in the middle of a file,
// without a full filesystem.
class FileSizeLimit {
 public:
  explicit FileSizeLimit(rlim_t bytes) {
    saved_handler_ = std::signal(SIGXFSZ, SIG_IGN);
    const bool got = ::getrlimit(RLIMIT_FSIZE, &saved_) == 0;
    const rlimit limit{.rlim_cur = bytes, .rlim_max = saved_.rlim_max};
    ok_ = got && ::setrlimit(RLIMIT_FSIZE, &limit) == 0;
  }
  FileSizeLimit(const FileSizeLimit&) = delete;
  FileSizeLimit& operator=(const FileSizeLimit&) = delete;
  ~FileSizeLimit() {
    if (ok_) {
      ::setrlimit(RLIMIT_FSIZE, &saved_);
    }
    (void)std::signal(SIGXFSZ, saved_handler_);
  }
  bool ok() const { return ok_; }

 private:
  rlimit saved_{};
  void (*saved_handler_)(int) = nullptr;
  bool ok_ = false;
};

TEST_CASE("history snapshot: a write failing in the middle keeps the previous file", "[analysis]") {
  const SeriesStore h = large_history(500, 180);
  lw::testing::FakeRoot root;
  root.dir("state");
  const std::string path = (root / "state/history.snap").string();
  REQUIRE(store::write_file_atomically(path, "previous snapshot"));
  {
    // Past the first pieces: the header room and several pieces are written, then one fails.
    FileSizeLimit limit(3 * store::kPayloadPieceBytes);
    REQUIRE(limit.ok());
    const auto failed = store::save_store(path, h, kBoot, "", "");
    REQUIRE_FALSE(failed.has_value());
    CHECK(failed.error().kind == ErrorKind::kIo);
    CHECK(failed.error().detail.rfind("write ", 0) == 0);
    CHECK(failed.error().detail.find("File too large") != std::string::npos);
  }
  CHECK(list_dir(root / "state") == std::vector<std::string>{"history.snap"});
  CHECK(lw::testing::read_file(path) == "previous snapshot");
  REQUIRE(store::save_store(path, h, kBoot, "", ""));  // the limit lifted, it is written whole
  CHECK(lw::testing::read_file(path) == serialize_store(h, kBoot));
}

}  // namespace
}  // namespace lw::analysis
