// leakwatchd: argv -> Config -> App (or one of the one-shot modes).

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <malloc.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include "analysis/classify.h"
#include "config/config.h"
#include "daemon/app.h"
#include "daemon/once.h"
#include "daemon/options.h"
#include "recording/parse.h"
#include "recording/verdict_text.h"

namespace {

constexpr const char* kDefaultConfig = "/etc/leakwatch/leakwatch.yaml";

constexpr const char* kUsage =
    "usage: leakwatchd [--config FILE] [--listen ADDR] [--proc-root DIR] [--sys-root DIR]\n"
    "       leakwatchd --check-config FILE\n"
    "       leakwatchd --once [--duration D] [--format text|prometheus|json] [--config FILE]\n"
    "       leakwatchd --analyze FILE [--limit SIZE]\n"
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
    "  --duration D        how long --once samples, e.g. 30s (scans every scan.interval)\n"
    "  --format F          text (default), prometheus or json\n"
    "  --analyze FILE      classify a recorded series: CSV 'timestamp,bytes' or the log of\n"
    "                      'echo \"$(date '+%F %T') RSS: $(ps -o rss= -p PID) KB\"' loops\n"
    "  --limit SIZE        with --analyze: forecast when the series reaches SIZE (e.g. 2GiB)\n"
    "\n"
    "Signals: SIGHUP reloads the configuration, SIGTERM stops.\n"
    "Docs: /usr/share/doc/leakwatch/README.md, leakwatchd(8).\n";

struct Args {
  std::optional<std::string> config, listen, proc_root, sys_root, check_config, analyze, limit,
      duration, format;
  bool once = false, version = false, help = false;
};

// Returns an error message for bad usage.
std::optional<std::string> parse_args(int argc, char** argv, Args& a) {
  const std::vector<std::string_view> args(argv + 1, argv + argc);
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string_view arg = args[i];
    const auto value = [&](std::optional<std::string>& slot) -> std::optional<std::string> {
      if (i + 1 >= args.size()) {
        return std::string(arg) + " needs a value";
      }
      slot = std::string(args[++i]);
      return std::nullopt;
    };
    std::optional<std::string> err;
    if (arg == "--config") {
      err = value(a.config);
    } else if (arg == "--listen") {
      err = value(a.listen);
    } else if (arg == "--proc-root") {
      err = value(a.proc_root);
    } else if (arg == "--sys-root") {
      err = value(a.sys_root);
    } else if (arg == "--check-config") {
      err = value(a.check_config);
    } else if (arg == "--analyze") {
      err = value(a.analyze);
    } else if (arg == "--limit") {
      err = value(a.limit);
    } else if (arg == "--duration") {
      err = value(a.duration);
    } else if (arg == "--format") {
      err = value(a.format);
    } else if (arg == "--once") {
      a.once = true;
    } else if (arg == "--version" || arg == "-V") {
      a.version = true;
    } else if (arg == "--help" || arg == "-h") {
      a.help = true;
    } else {
      err = "unknown argument '" + std::string(arg) + "'";
    }
    if (err) {
      return err;
    }
  }
  return std::nullopt;
}

int check_config(const std::string& path) {
  const auto cfg = lw::config::load_config(path);
  if (!cfg) {
    std::cerr << cfg.error().detail << "\n";
    return EXIT_FAILURE;
  }
  std::cout << path << ": ok\n";
  return EXIT_SUCCESS;
}

int analyze(const std::string& path, const std::optional<std::string>& limit) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::cerr << path << ": cannot read\n";
    return EXIT_FAILURE;
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  const auto samples = lw::recording::parse_recording(ss.str());
  if (!samples) {
    std::cerr << path << ": " << samples.error().detail << "\n";
    return EXIT_FAILURE;
  }
  std::optional<double> limit_bytes;
  if (limit) {
    const auto b = lw::config::parse_size(*limit);
    if (!b) {
      std::cerr << "--limit: '" << *limit << "' is not a size (e.g. 2GiB, 512MiB)\n";
      return EXIT_FAILURE;
    }
    limit_bytes = static_cast<double>(*b);
  }
  const lw::config::Config defaults;
  const auto opts = lw::daemon::analysis_options(defaults);
  std::cout << lw::recording::render_analysis(*samples, limit_bytes, opts.memory);
  return EXIT_SUCCESS;
}

lw::Result<lw::config::Config> load(const Args& a, std::string& used_path) {
  if (a.config) {
    used_path = *a.config;
    return lw::config::load_config(*a.config);
  }
  if (::access(kDefaultConfig, R_OK) == 0) {
    used_path = kDefaultConfig;
    return lw::config::load_config(kDefaultConfig);
  }
  return lw::config::Config{};
}

// "<3>" etc.: the syslog priority prefix journald reads from a service's stderr (sd-daemon(3)),
// so `journalctl -p err` and `systemctl status` see errors as errors.
class SyslogPriority final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm& /*tm*/,
              spdlog::memory_buf_t& dest) override {
    int prio = 6;
    switch (msg.level) {
      case spdlog::level::critical:
        prio = 2;
        break;
      case spdlog::level::err:
        prio = 3;
        break;
      case spdlog::level::warn:
        prio = 4;
        break;
      case spdlog::level::info:
        prio = 6;
        break;
      default:
        prio = 7;
        break;
    }
    dest.push_back('<');
    dest.push_back(static_cast<char>('0' + prio));
    dest.push_back('>');
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return spdlog::details::make_unique<SyslogPriority>();
  }
};

void setup_logging(const std::string& level) {
  auto logger = spdlog::stderr_color_mt("leakwatchd");
  spdlog::set_default_logger(logger);
  // Under systemd, journald adds the time and reads the priority from the "<N>" prefix.
  if (std::getenv("JOURNAL_STREAM") != nullptr) {  // NOLINT(concurrency-mt-unsafe): before threads
    auto formatter = std::make_unique<spdlog::pattern_formatter>();
    formatter->add_flag<SyslogPriority>('*').set_pattern("%*%v");
    spdlog::set_formatter(std::move(formatter));
  } else {
    spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e %l %v");
  }
  spdlog::set_level(spdlog::level::from_str(level));
}

int run(int argc, char** argv) {
  Args a;
  if (const auto err = parse_args(argc, argv, a)) {
    std::cerr << "leakwatchd: " << *err << "\n\n" << kUsage;
    return 2;
  }
  if (a.help) {
    std::cout << kUsage;
    return EXIT_SUCCESS;
  }
  if (a.version) {
    std::cout << "leakwatchd " << LW_VERSION << "\n";
    return EXIT_SUCCESS;
  }
  if (a.check_config) {
    return check_config(*a.check_config);
  }
  if (a.analyze) {
    return analyze(*a.analyze, a.limit);
  }
  std::string config_path;
  auto cfg = load(a, config_path);
  if (!cfg) {
    std::cerr << "leakwatchd: " << cfg.error().detail << "\n";
    return EXIT_FAILURE;
  }
  if (a.once) {
    lw::daemon::OnceOptions o;
    if (a.duration) {
      const auto d = lw::config::parse_duration(*a.duration);
      if (!d) {
        std::cerr << "leakwatchd: --duration '" << *a.duration
                  << "' is not a duration (e.g. 30s)\n";
        return 2;
      }
      o.duration = *d;
    }
    o.format = a.format.value_or("text");
    if (o.format != "text" && o.format != "prometheus" && o.format != "json") {
      std::cerr << "leakwatchd: --format must be text, prometheus or json\n";
      return 2;
    }
    if (a.proc_root) {
      cfg->paths.procfs = *a.proc_root;
    }
    if (a.sys_root) {
      cfg->paths.sysfs = *a.sys_root;
    }
    return lw::daemon::run_once(*cfg, o, std::cout, std::cerr);
  }

  setup_logging(cfg->log.level);
  // Signals are handled by sigwait in the main thread: block them before any thread starts.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);

  lw::daemon::App app(std::move(*cfg), config_path, a.listen, a.proc_root, a.sys_root);
  const auto started = app.start();
  if (!started) {
    spdlog::error("cannot start: {}", started.error().detail);
    return EXIT_FAILURE;
  }
  spdlog::info("leakwatchd {} started{}", LW_VERSION,
               config_path.empty() ? " with built-in defaults" : " with " + config_path);
  return app.run();
}

}  // namespace

int main(int argc, char** argv) {
  // glibc gives every thread that allocates its own malloc arena (64 MiB reserved, a few MiB
  // resident each); the HTTP workers only format the report. Two arenas keep the daemon's RSS
  // small at no measurable cost (tests/bench/RESULTS.md).
  ::mallopt(M_ARENA_MAX, 2);  // NOLINT(concurrency-mt-unsafe): before any thread starts
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    (void)std::fprintf(stderr, "leakwatchd: fatal: %s\n", e.what());
    return EXIT_FAILURE;
  }
}
