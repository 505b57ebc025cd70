#include "daemon/cli.h"

#include <array>
#include <optional>
#include <string>
#include <string_view>

#include <getopt.h>

namespace lw::daemon {

const char* const kUsage =
    "usage: leakwatchd [--config FILE] [--listen ADDR] [--proc-root DIR] [--sys-root DIR]\n"
    "       leakwatchd --check-config FILE\n"
    "       leakwatchd --once [--duration D] [--format text|prometheus|json] [--config FILE]\n"
    "       leakwatchd --analyze FILE [--limit SIZE]\n"
    "       leakwatchd --attribute PID [--duration D] [--format text|json] [--config FILE]\n"
    "       leakwatchd --version | --help\n"
    "\n"
    "Finds memory leaks before the OOM killer does: samples every process and memory cgroup,\n"
    "keeps their history and serves Prometheus metrics, a status page and a JSON API.\n"
    "\n"
    "  --config FILE       configuration (default "
    "/etc/leakwatch/leakwatch.yaml"
    " if it exists)\n"
    "  --listen ADDR       listen address, IPv4:PORT or :PORT (overrides web.listen)\n"
    "  --proc-root DIR     procfs root, e.g. /host/proc in a container (overrides paths.procfs)\n"
    "  --sys-root DIR      sysfs root, e.g. /host/sys (overrides paths.sysfs)\n"
    "  --check-config FILE validate a configuration file and exit (0 = valid)\n"
    "  --once              sample for --duration (default: one scan) and print a report\n"
    "  --duration D        how long --once samples, e.g. 30s (scans every scan.interval),\n"
    "                      or how long --attribute traces\n"
    "  --format F          text (default), prometheus or json (--attribute: text or json)\n"
    "  --analyze FILE      classify a recorded series: CSV 'timestamp,bytes' or the log of\n"
    "                      'echo \"$(date '+%F %T') RSS: $(ps -o rss= -p PID) KB\"' loops\n"
    "  --limit SIZE        with --analyze: forecast when the series reaches SIZE (e.g. 2GiB)\n"
    "  --attribute PID     trace PID's allocator for --duration (default 30s) and print the\n"
    "                      allocation sites holding its growth (needs CAP_BPF and CAP_PERFMON,\n"
    "                      or root; x86_64). Exit: 0 ran, 1 error, 3 target refused, 4 missing\n"
    "                      privilege, 5 target exited/exec'd, 6 over the call-rate budget\n"
    "\n"
    "Signals: SIGHUP reloads the configuration, SIGTERM stops.\n"
    "Docs: /usr/share/doc/leakwatch/README.md, leakwatchd(8).\n";

namespace {

// Long-only options get values above any char, so an unknown short option (optopt < 256) can be
// told apart from a misused long one.
enum LongOption : int {
  kConfig = 256,
  kListen,
  kProcRoot,
  kSysRoot,
  kCheckConfig,
  kAnalyze,
  kLimit,
  kDuration,
  kFormat,
  kAttribute,
  kOnce,
  kVersion,
  kHelp,
};

constexpr std::array<option, 14> kLongOptions{{
    {"config", required_argument, nullptr, kConfig},
    {"listen", required_argument, nullptr, kListen},
    {"proc-root", required_argument, nullptr, kProcRoot},
    {"sys-root", required_argument, nullptr, kSysRoot},
    {"check-config", required_argument, nullptr, kCheckConfig},
    {"analyze", required_argument, nullptr, kAnalyze},
    {"limit", required_argument, nullptr, kLimit},
    {"duration", required_argument, nullptr, kDuration},
    {"format", required_argument, nullptr, kFormat},
    {"attribute", required_argument, nullptr, kAttribute},
    {"once", no_argument, nullptr, kOnce},
    {"version", no_argument, nullptr, kVersion},
    {"help", no_argument, nullptr, kHelp},
    {nullptr, 0, nullptr, 0},
}};

// '+': stop at the first non-option, which is then reported (leakwatchd takes no operands);
// ':': report a missing value as ':' instead of printing getopt's own message.
constexpr const char* kShortOptions = "+:hV";

std::optional<std::string>* value_slot(int opt, CliArgs& a) {
  switch (opt) {
    case kConfig:
      return &a.config;
    case kListen:
      return &a.listen;
    case kProcRoot:
      return &a.proc_root;
    case kSysRoot:
      return &a.sys_root;
    case kCheckConfig:
      return &a.check_config;
    case kAnalyze:
      return &a.analyze;
    case kLimit:
      return &a.limit;
    case kDuration:
      return &a.duration;
    case kFormat:
      return &a.format;
    case kAttribute:
      return &a.attribute;
    default:
      return nullptr;
  }
}

bool set_flag(int opt, CliArgs& a) {
  switch (opt) {
    case kOnce:
      a.once = true;
      return true;
    case kVersion:
    case 'V':
      a.version = true;
      return true;
    case kHelp:
    case 'h':
      a.help = true;
      return true;
    default:
      return false;
  }
}

// The argument as the user typed it, for "unknown argument '...'".
std::string offending_argument(char** argv) {
  if (optopt > 0 && optopt < kConfig) {
    return std::string("-") + static_cast<char>(optopt);  // a short option, maybe in a cluster
  }
  return argv[optind - 1];
}

}  // namespace

std::optional<std::string> parse_cli(int argc, char** argv, CliArgs& args) {
  optind = 0;  // glibc: 0 re-initialises getopt, so a second parse starts afresh
  opterr = 0;
  for (;;) {
    const int before = optind;
    // NOLINTNEXTLINE(concurrency-mt-unsafe): main() parses argv before any thread starts
    const int opt = ::getopt_long(argc, argv, kShortOptions, kLongOptions.data(), nullptr);
    if (opt == -1) {
      // getopt takes "--" as the end of options; leakwatchd has no operands, so it is unknown
      // as before (a "--" consumed as the value of --config is not this case).
      if (optind > before && std::string_view(argv[optind - 1]) == "--") {
        return "unknown argument '--'";
      }
      break;
    }
    if (opt == ':') {
      return offending_argument(argv) + " needs a value";
    }
    if (opt == '?') {
      return "unknown argument '" + offending_argument(argv) + "'";
    }
    if (auto* slot = value_slot(opt, args)) {
      *slot = std::string(optarg);
    } else if (!set_flag(opt, args)) {
      return "unknown argument '" + offending_argument(argv) + "'";
    }
  }
  if (optind < argc) {
    return "unknown argument '" + std::string(argv[optind]) + "'";
  }
  return std::nullopt;
}

}  // namespace lw::daemon
