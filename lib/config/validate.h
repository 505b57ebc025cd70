#pragma once

// Internal to lib/config: the allowed ranges (one table, used by the YAML walker for integer
// overflow and by validate() for everything), the positions of keys in a parsed file, and the
// error text "<source>:<line>:<col>: <key path>: <what>, allowed: <range>".

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"
#include "config/config.h"

namespace lw::config {

namespace limits {

using std::chrono::days;
using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;

struct DurationRange {
  Duration min;
  Duration max;
};
struct UintRange {
  std::uint64_t min;
  std::uint64_t max;
};
struct RealRange {
  double min;
  double max;
  bool min_exclusive = false;
};

// Lower bounds allow every default divided by 60, so tests can run the real logic fast
// (interval 166ms, windows 15s/1m/6m, warmup_grace 10s, request_timeout 83ms).
inline constexpr DurationRange kScanInterval{milliseconds(100), hours(1)};
inline constexpr DurationRange kSmapsMinInterval{milliseconds(0), days(1)};
inline constexpr DurationRange kSmapsMaxAge{seconds(1), days(7)};
inline constexpr DurationRange kSmapsBudget{milliseconds(0), seconds(10)};
inline constexpr UintRange kSmapsTopK{0, 1000};
inline constexpr DurationRange kLimitsInterval{milliseconds(0), days(1)};
inline constexpr DurationRange kRetention{seconds(1), days(30)};
inline constexpr DurationRange kDeadGrace{milliseconds(0), days(7)};
inline constexpr UintRange kMaxSeries{10, 1000000};
inline constexpr DurationRange kSnapshotInterval{milliseconds(0), days(1)};
inline constexpr DurationRange kWindow{seconds(1), days(30)};
inline constexpr std::size_t kMaxWindows = 8;
inline constexpr DurationRange kWarmupGrace{milliseconds(0), days(7)};
inline constexpr DurationRange kMinObserved{milliseconds(0), days(30)};
inline constexpr DurationRange kRatePeriod{seconds(1), days(1)};
inline constexpr RealRange kMinGrowthRatio{0, 100};
inline constexpr RealRange kMinFdGrowth{0, 1000000};
inline constexpr RealRange kSuspectScore{0, 1};
inline constexpr RealRange kSiblingOutlierRatio{1, 1000, true};
inline constexpr UintRange kMaxOomEvents{0, 10000};
inline constexpr DurationRange kCrashLoopRestartWithin{milliseconds(100), days(1)};
inline constexpr UintRange kExportTopK{0, 1000};
inline constexpr UintRange kMaxLabelBytes{16, 4096};
inline constexpr UintRange kCgroupMaxDepth{1, 32};
inline constexpr UintRange kIdentityRefreshScans{0, 100000};
inline constexpr UintRange kCgroupMaxExported{0, 100000};
inline constexpr UintRange kWebThreads{4, 64};
inline constexpr UintRange kAttrSampleInterval{1, 1ULL << 30};
inline constexpr UintRange kAttrStackBytes{512, 16384};
inline constexpr UintRange kAttrMaxLive{1024, 4194304};
inline constexpr UintRange kAttrRingBuffer{64ULL << 10, 256ULL << 20};
inline constexpr UintRange kAttrMaxRecords{100, 1000000};
inline constexpr DurationRange kAttrMinAge{milliseconds(0), hours(1)};
inline constexpr DurationRange kAttrProbePhase{milliseconds(100), minutes(1)};
inline constexpr RealRange kAttrTargetBudget{0.01, 100};
inline constexpr RealRange kAttrTrapCost{0.1, 100};
inline constexpr RealRange kAttrDaemonBudget{0.1, 100};
inline constexpr UintRange kAttrMinSamples{1, 100000};
inline constexpr DurationRange kRequestTimeout{milliseconds(10), seconds(60)};
inline constexpr DurationRange kHeaderTimeout{milliseconds(100), seconds(60)};
inline constexpr UintRange kWebMaxConnections{16, 65536};
inline constexpr UintRange kWebMaxConnectionsPerAddress{1, 65536};
// retention / interval: samples kept per series; bounds the store's memory.
inline constexpr std::uint64_t kMaxSamplesPerSeries = 100000;

}  // namespace limits

// 1-based, as editors show them (yaml-cpp's Mark is 0-based).
struct Position {
  int line = 0;
  int column = 0;
};

// Where each key path ("scan.smaps.budget", "analysis.windows[1]", "web.basic_auth_users.alice")
// sits in the file: the key itself and, when not null, its value.
class Locations {
 public:
  void set_key(const std::string& path, Position p) { keys_[path] = p; }
  void set_value(const std::string& path, Position p) { values_[path] = p; }

  // Exact lookups: set only when the file has this key.
  std::optional<Position> key(std::string_view path) const;
  std::optional<Position> value(std::string_view path) const;
  // The value's position, else the key's, else the nearest enclosing path's ("a.b[2].c" -> "a.b[2]"
  // -> "a.b" -> "a"), so a missing key is reported where its parent is.
  std::optional<Position> find_value(std::string_view path) const;
  // Same, preferring the key's position.
  std::optional<Position> find_key(std::string_view path) const;

 private:
  std::map<std::string, Position, std::less<>> keys_;
  std::map<std::string, Position, std::less<>> values_;
};

// "<source>:<line>:<col>: <path>: <what>, allowed: <allowed>"; the position is left out when
// unknown, the source when empty, ", allowed: ..." when `allowed` is empty.
Error config_error(std::string_view source, std::optional<Position> at, std::string_view path,
                   std::string_view what, std::string_view allowed);

// validate() with file positions for the error text.
Result<Config> validate_located(Config config, const Locations& locations, std::string_view source);

// Texts for "allowed: ..." shared by the walker and the validator.
std::string describe(limits::DurationRange r);
std::string describe(limits::UintRange r);
std::string describe(limits::RealRange r);
std::string format_real(double v);

inline constexpr std::string_view kDurationSyntax =
    "an integer and a unit ms, s, m, h or d (e.g. 200ms, 10s, 5m, 6h, 1d)";
inline constexpr std::string_view kSizeSyntax =
    "an integer of bytes with an optional unit B, KiB, MiB, GiB, TiB, PiB, EiB (x1024) or kB, MB, "
    "GB, TB, PB, EB (x1000), e.g. 512MiB; below 16EiB";

}  // namespace lw::config
