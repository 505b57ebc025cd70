#pragma once

// Every metric leakwatchd exports, declared once: name, type, HELP text and label names. The
// exporter looks entries up by `Metric`, so code cannot invent a name or a label; the table's
// order is the exposition order. tests/export/metric_names_test.cpp checks that every
// `leakwatch_*` name in the alert rules, the dashboard, the README and the man page is here.

#include <cstddef>
#include <span>
#include <string_view>

#include <prometheus/metric_type.h>

namespace lw::exporter {

enum class Metric {
  // Per tracked process.
  kProcessInfo,
  kProcessResidentBytes,
  kProcessResidentAnonBytes,
  kProcessResidentFileBytes,
  kProcessResidentShmemBytes,
  kProcessVirtualBytes,
  kProcessSwapBytes,
  kProcessPssBytes,
  kProcessUssBytes,
  kProcessAnonHugepagesBytes,
  kProcessSmapsAgeSeconds,
  kProcessOpenFds,
  kProcessMaxFds,
  kProcessStartTimeSeconds,
  kProcessMemoryGrowthBytesPerSecond,
  kProcessFdGrowthPerSecond,
  kProcessLeakScore,
  kProcessLeakSuspect,
  kProcessGrowthPattern,
  kProcessSecondsToLimit,
  kProcessSiblingOutlier,
  // Per group.
  kGroupProcesses,
  kGroupResidentBytes,
  kGroupPssBytes,
  kGroupPssReadings,
  kGroupSwapBytes,
  kGroupOpenFds,
  kGroupLeakSuspects,
  kGroupCrashLoop,
  // Per exported memory cgroup.
  kCgroupMemoryUsageBytes,
  kCgroupMemoryAnonBytes,
  kCgroupMemoryFileBytes,
  kCgroupMemorySwapBytes,
  kCgroupMemoryWorkingSetBytes,
  kCgroupMemoryLimitBytes,
  kCgroupOomKillsTotal,
  kCgroupMemoryPressureStalledSecondsTotal,
  kCgroupMemoryPressureWaitingSecondsTotal,
  kCgroupMemoryGrowthBytesPerSecond,
  kCgroupLeakSuspect,
  kCgroupSecondsToLimit,
  // The host.
  kSystemMemoryTotalBytes,
  kSystemMemoryAvailableBytes,
  kSystemSwapTotalBytes,
  kSystemSwapFreeBytes,
  kSystemAnonHugepagesBytes,
  kSystemCommittedBytes,
  kSystemOomKillsTotal,
  kSystemThpFaultAllocTotal,
  kSystemThpFaultFallbackTotal,
  kSystemCompactStallTotal,
  kSystemMemoryPressureStalledSecondsTotal,
  kSystemMemoryPressureWaitingSecondsTotal,
  kSystemMemoryAvailableGrowthBytesPerSecond,
  kSystemSecondsToMemoryExhaustion,
  kCgroupLayout,
  // OOM kills seen by the daemon.
  kOomKillsTotal,
  kOomKillsFlaggedTotal,
  // The daemon itself.
  kBuildInfo,
  kScansTotal,
  kScanDurationSeconds,
  kScanPhaseSecondsTotal,
  kDaemonCpuSecondsTotal,
  kProcessesScanned,
  kProcessesTracked,
  kScanErrorsTotal,
  kSmapsReadsTotal,
  kSmapsReadSecondsTotal,
  kSmapsSkippedTotal,
  kStoreBytes,
  kStoreSeries,
  kStoreEvictionsTotal,
  kCgroupsSkipped,
  kStateSaveFailuresTotal,
  kStateRestoreDiscardedTotal,
  kInternalEntries,
  kConfigLastReloadSuccessful,
};

inline constexpr std::size_t kMetricCount =
    static_cast<std::size_t>(Metric::kConfigLastReloadSuccessful) + 1;

struct LabelSpec {
  std::string_view name;
  // Left out of a series whose value is empty, instead of exporting `name=""` (cgroups without
  // a systemd unit). Other labels are always written, even when empty.
  bool omitted_when_empty = false;
};

struct MetricSpec {
  Metric id;
  std::string_view name;
  prometheus::MetricType type;
  // Written unescaped by prometheus-cpp: never '\n' or '\\' (checked at compile time).
  std::string_view help;
  std::span<const LabelSpec> labels;  // in the order the series carry them
};

// The whole table, in exposition order (entry i is Metric i).
std::span<const MetricSpec> metric_table();

const MetricSpec& metric_spec(Metric metric);

}  // namespace lw::exporter
