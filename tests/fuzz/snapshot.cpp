// Fuzz target: the history snapshot restore (lib/store series_snapshot + snapshot_file).
// First byte: 0 the input is a whole snapshot file; 1 the input is a payload, sealed here with a
// valid header and CRC so the payload decoder sees it; 2 the input patches a real payload
// (serialized from a small store built below): u16 offset, then bytes written from there, the
// payload cut at the end of the patch when the offset's top bit is set.
// Properties: restore never throws or crashes, leaves the store untouched on failure, and a store
// it restored serializes to a file that restores again.

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "fuzz/fuzz_check.h"
#include "store/series_snapshot.h"
#include "store/snapshot_file.h"

namespace {

using lw::fuzz::check;
using namespace std::chrono_literals;

constexpr std::int64_t kSteady = 7'000'000'000;
constexpr std::int64_t kWall = 1'700'000'000'000;
constexpr std::string_view kBoot = "1b2a9c1e-0000-4000-8000-000000000001";

lw::store::SeriesStoreOptions options() {
  lw::store::SeriesStoreOptions o;
  o.interval = 10s;
  o.retention = 1h;
  o.chunk_samples = 4;
  return o;
}

lw::model::ProcessSample process(std::int32_t pid, std::uint64_t anon) {
  lw::model::ProcessSample p;
  p.id = {pid, 5000 + static_cast<std::uint64_t>(pid)};
  p.ppid = 1;
  p.state = 'S';
  p.comm = pid == 100 ? "leaky" : "na\xffme\n";
  p.uid = 1000;
  p.rss_bytes = anon + 4096;
  p.anon_bytes = anon;
  p.open_fds = 10;
  p.cgroup = "/system.slice/app.service";
  p.unit = "app.service";
  if (anon % 3 == 0) {
    lw::procfs::SmapsRollup smaps;
    smaps.rss_bytes = p.rss_bytes;
    smaps.private_dirty_bytes = anon;
    p.smaps = smaps;
  }
  return p;
}

// The payload of a small store's snapshot (two processes, one cgroup, nine scans).
const std::string& seed_payload() {
  static const std::string payload = [] {
    lw::store::SeriesStore store(options());
    const auto labeler = [](const lw::model::ProcessSample& p) {
      return std::optional<lw::store::ProcessLabels>(
          lw::store::ProcessLabels{p.comm, "group", p.cgroup, p.unit, false, false});
    };
    for (std::int64_t i = 0; i < 9; ++i) {
      lw::model::Snapshot s;
      s.taken_at = lw::model::SteadyTime(std::chrono::milliseconds(kSteady + i * 10'000));
      s.wall_time = lw::model::WallTime(std::chrono::milliseconds(kWall + i * 10'000));
      s.processes.push_back(process(100, 1'000'000 + static_cast<std::uint64_t>(i) * 4096));
      if (i < 6) {
        s.processes.push_back(process(200, 3'000'000));
      }
      lw::model::CgroupSample c;
      c.path = "/system.slice/app.service";
      c.unit = "app.service";
      c.inode = 42;
      c.usage_bytes = 8'000'000 + static_cast<std::uint64_t>(i);
      c.processes = 2;
      s.cgroups.push_back(c);
      store.append(s, labeler);
    }
    const std::string file = lw::store::serialize_store(store, kBoot, "annotations");
    return file.substr(lw::store::kSnapshotHeaderBytes);
  }();
  return payload;
}

std::string patched_payload(std::string_view input) {
  std::string payload = seed_payload();
  if (input.size() < 2) {
    return payload;
  }
  const auto raw = static_cast<std::size_t>(static_cast<unsigned char>(input[0]) << 8 |
                                            static_cast<unsigned char>(input[1]));
  const bool cut = (raw & 0x8000U) != 0;
  const std::size_t offset = (raw & 0x7fffU) % (payload.size() + 1);
  const std::string_view patch = input.substr(2);
  payload.resize(std::max(payload.size(), offset + patch.size()));
  payload.replace(offset, patch.size(), patch);
  if (cut) {
    payload.resize(offset + patch.size());
  }
  return payload;
}

bool still_running(const lw::model::ProcessId& id) {
  return id.pid % 2 == 0;
}

void restore(const std::string& file) {
  lw::store::SeriesStore store(options());
  const std::string empty = lw::store::serialize_store(store, kBoot);
  std::string annotations;
  const std::int64_t now_steady = kSteady + 200'000;
  const std::int64_t now_wall = kWall + 200'000;
  const lw::Status status = lw::store::restore_store(store, file, now_steady, now_wall,
                                                     still_running, kBoot, &annotations);
  if (!status) {
    check(status.error().kind == lw::ErrorKind::kMalformed, "restore error is kMalformed");
    check(lw::store::serialize_store(store, kBoot) == empty, "a failed restore changes nothing");
    return;
  }
  const std::string again = lw::store::serialize_store(store, kBoot, annotations);
  lw::store::SeriesStore second(options());
  const lw::Status second_status =
      lw::store::restore_store(second, again, now_steady, now_wall, still_running, kBoot);
  check(second_status.has_value(), "a restored store's snapshot restores again");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto [which, input] = lw::fuzz::select(data, size, 3);
  switch (which) {
    case 0:
      restore(std::string(input));
      break;
    case 1:
      restore(lw::store::seal_snapshot(lw::store::kStoreFormatVersion, input));
      break;
    case 2:
      restore(lw::store::seal_snapshot(lw::store::kStoreFormatVersion, patched_payload(input)));
      break;
    default:
      break;
  }
  return 0;
}
