// SeriesStore at store.max_series: a new process still gets history; the least valuable series
// make room (exited first, then small and flat live ones); protected series never go; a refusal
// is not retried every scan.

#include <chrono>
#include <cstdint>
#include <vector>

#include <catch2/catch.hpp>

#include "store/series_store.h"

namespace lw::store {
namespace {

constexpr std::uint64_t kMiB = 1024ULL * 1024;

model::ProcessSample proc(std::int32_t pid, std::uint64_t anon) {
  model::ProcessSample p;
  p.id = {pid, static_cast<std::uint64_t>(pid) * 10};
  p.comm = std::to_string(pid);
  p.comm.insert(p.comm.begin(), 'p');  // not "p" + to_string: GCC 12 -O3 -Wrestrict false positive
  p.anon_bytes = anon;
  p.swap_bytes = 0;
  p.rss_bytes = anon;
  return p;
}

model::Snapshot snap(int n, std::vector<model::ProcessSample> procs) {
  model::Snapshot s;
  s.taken_at = model::SteadyTime(std::chrono::seconds(1000 + 10 * n));
  s.wall_time = model::WallTime(std::chrono::seconds(1'700'000'000 + 10 * n));
  s.processes = std::move(procs);
  return s;
}

SeriesStore full_store() {
  SeriesStoreOptions o;
  o.interval = std::chrono::seconds(10);
  o.max_series = 4;  // three processes + the host series
  return SeriesStore(o);
}

}  // namespace

TEST_CASE("store at max_series: an exited series makes room for a new process", "[store]") {
  SeriesStore store = full_store();
  store.append(snap(0, {proc(1, 10 * kMiB), proc(2, 500 * kMiB), proc(3, 20 * kMiB)}), {});
  // pid 2 (the largest) exits; pid 1 and 3 live on.
  store.append(snap(1, {proc(1, 10 * kMiB), proc(3, 20 * kMiB)}), {});
  REQUIRE(store.series_count() == 4);
  store.append(snap(2, {proc(1, 10 * kMiB), proc(3, 20 * kMiB), proc(4, 1 * kMiB)}), {});
  CHECK(store.find(proc(4, 0).id) != nullptr);  // admitted
  CHECK(store.find(proc(2, 0).id) == nullptr);  // the exited one went, not a live one
  CHECK(store.find(proc(1, 0).id) != nullptr);
  CHECK(store.find(proc(3, 0).id) != nullptr);
  CHECK(store.eviction_counts().exited == 1);
  CHECK(store.eviction_counts().idle == 0);
  CHECK(store.eviction_counts().refused == 0);
}

TEST_CASE("store at max_series: the smallest flat live series goes, never a protected one",
          "[store]") {
  SeriesStore store = full_store();
  // pid 1: small and flat (protected); pid 2: small and flat; pid 3: growing.
  for (int n = 0; n < 3; ++n) {
    const auto grow = static_cast<std::uint64_t>(n) * 8 * kMiB;
    store.append(snap(n, {proc(1, 5 * kMiB), proc(2, 10 * kMiB), proc(3, 10 * kMiB + grow)}), {});
  }
  store.set_protected({proc(1, 0).id});
  store.append(
      snap(3, {proc(1, 5 * kMiB), proc(2, 10 * kMiB), proc(3, 40 * kMiB), proc(4, 2 * kMiB)}), {});
  CHECK(store.find(proc(4, 0).id) != nullptr);  // the newcomer has history
  CHECK(store.find(proc(1, 0).id) != nullptr);  // protected, although the smallest
  CHECK(store.find(proc(2, 0).id) == nullptr);  // small and flat: evicted
  CHECK(store.find(proc(3, 0).id) != nullptr);  // growing: kept
  CHECK(store.eviction_counts().idle == 1);

  // The evicted live process is not re-admitted next scan (that would evict another each scan).
  store.append(
      snap(4, {proc(1, 5 * kMiB), proc(2, 10 * kMiB), proc(3, 48 * kMiB), proc(4, 2 * kMiB)}), {});
  CHECK(store.find(proc(2, 0).id) == nullptr);
  CHECK(store.find(proc(4, 0).id) != nullptr);
  CHECK(store.eviction_counts().idle == 1);

  // Nor when the protected set changes: only room brings a displaced series back.
  store.set_protected({proc(1, 0).id, proc(3, 0).id});
  store.append(
      snap(5, {proc(1, 5 * kMiB), proc(2, 10 * kMiB), proc(3, 56 * kMiB), proc(4, 2 * kMiB)}), {});
  CHECK(store.find(proc(2, 0).id) == nullptr);
  CHECK(store.eviction_counts().idle == 1);
  store.append(snap(6, {proc(1, 5 * kMiB), proc(2, 10 * kMiB), proc(3, 64 * kMiB)}), {});
  store.append(snap(7, {proc(1, 5 * kMiB), proc(2, 10 * kMiB), proc(3, 72 * kMiB)}), {});
  CHECK(store.find(proc(2, 0).id) != nullptr);  // pid 4 exited: its series made room
  CHECK(store.eviction_counts().exited == 1);
}

TEST_CASE("store at max_series: all protected refuses once, not every scan", "[store]") {
  SeriesStore store = full_store();
  store.append(snap(0, {proc(1, kMiB), proc(2, kMiB), proc(3, kMiB)}), {});
  store.set_protected({proc(1, 0).id, proc(2, 0).id, proc(3, 0).id});
  for (int n = 1; n < 5; ++n) {
    store.append(snap(n, {proc(1, kMiB), proc(2, kMiB), proc(3, kMiB), proc(4, kMiB)}), {});
  }
  CHECK(store.find(proc(4, 0).id) == nullptr);
  CHECK(store.series_count() == 4);
  CHECK(store.eviction_counts().refused == 1);  // one refusal, remembered

  // Protection lifted from pid 3: the refused process tries again and gets its series.
  store.set_protected({proc(1, 0).id, proc(2, 0).id});
  store.append(snap(5, {proc(1, kMiB), proc(2, kMiB), proc(3, kMiB), proc(4, kMiB)}), {});
  CHECK(store.find(proc(4, 0).id) != nullptr);
  CHECK(store.find(proc(3, 0).id) == nullptr);
  CHECK(store.eviction_counts().idle == 1);
}

TEST_CASE("store set_options: a raised max_series and a shorter retention apply live", "[store]") {
  SeriesStore store = full_store();
  store.append(snap(0, {proc(1, kMiB), proc(2, kMiB), proc(3, kMiB)}), {});
  store.set_protected({proc(1, 0).id, proc(2, 0).id, proc(3, 0).id});
  store.append(snap(1, {proc(1, kMiB), proc(2, kMiB), proc(3, kMiB), proc(4, kMiB)}), {});
  REQUIRE(store.find(proc(4, 0).id) == nullptr);
  SeriesStoreOptions o = store.options();
  o.max_series = 10;
  o.retention = std::chrono::seconds(30);
  store.set_options(o);
  CHECK(store.times().capacity() == 4);
  store.append(snap(2, {proc(1, kMiB), proc(2, kMiB), proc(3, kMiB), proc(4, kMiB)}), {});
  CHECK(store.find(proc(4, 0).id) != nullptr);
  CHECK(store.options().max_series == 10);
}

}  // namespace lw::store
