// leakwatchd: argv -> Config -> App (or one of the one-shot modes).

#include <csignal>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <iostream>
#include <optional>
#include <string>
#include <thread>

#include <fcntl.h>
#include <malloc.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include "analysis/classify.h"
#include "base/fd.h"
#include "config/config.h"
#include "daemon/app.h"
#include "daemon/attribute.h"
#include "daemon/cli.h"
#include "daemon/once.h"
#include "daemon/options.h"
#include "recording/parse.h"
#include "recording/verdict_text.h"

namespace {

constexpr const char* kDefaultConfig = "/etc/leakwatch/leakwatch.yaml";

int check_config(const std::string& path) {
  const auto cfg = lw::config::load_config(path);
  if (!cfg) {
    std::cerr << cfg.error().detail << "\n";
    return EXIT_FAILURE;
  }
  std::cout << path << ": ok\n";
  return EXIT_SUCCESS;
}

// The largest recording --analyze reads: about four years of 10 s samples as CSV. A larger file
// (or an endless one, such as a device) is refused rather than read until memory runs out.
constexpr std::size_t kMaxRecordingBytes = std::size_t{256} << 20;

int analyze(const std::string& path, const std::optional<std::string>& limit) {
  std::string text;
  if (auto read = lw::read_all_at(AT_FDCWD, path.c_str(), text, kMaxRecordingBytes); !read) {
    std::cerr << read.error().detail << "\n";
    return EXIT_FAILURE;
  }
  const auto samples = lw::recording::parse_recording(text);
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

int attribute(const lw::daemon::CliArgs& a, lw::config::Config& cfg) {
  lw::daemon::AttributeOptions o;
  const auto& pid = *a.attribute;
  if (pid.empty() || pid.size() > 9 || pid.find_first_not_of("0123456789") != std::string::npos ||
      std::stoi(pid) <= 0) {
    std::cerr << "leakwatchd: --attribute '" << pid << "' is not a process id\n";
    return 2;
  }
  o.pid = std::stoi(pid);
  if (a.duration) {
    const auto d = lw::config::parse_duration(*a.duration);
    if (!d || d->count() <= 0) {
      std::cerr << "leakwatchd: --duration '" << *a.duration << "' is not a duration (e.g. 30s)\n";
      return 2;
    }
    o.duration = *d;
  }
  o.format = a.format.value_or("text");
  if (o.format != "text" && o.format != "json") {
    std::cerr << "leakwatchd: --attribute: --format must be text or json\n";
    return 2;
  }
  if (a.proc_root) {
    cfg.paths.procfs = *a.proc_root;
  }
  return lw::daemon::run_attribute(cfg, o, std::cout, std::cerr);
}

lw::Result<lw::config::Config> load(const lw::daemon::CliArgs& a, std::string& used_path) {
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
  lw::daemon::CliArgs a;
  if (const auto err = lw::daemon::parse_cli(argc, argv, a)) {
    std::cerr << "leakwatchd: " << *err << "\n\n" << lw::daemon::kUsage;
    return 2;
  }
  if (a.help) {
    std::cout << lw::daemon::kUsage;
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
  if (a.attribute) {
    return attribute(a, *cfg);
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
  // Blocks of 1 MiB and more (the history snapshot being saved, the rendered /metrics) are mapped
  // and unmapped on their own. Without a fixed threshold glibc raises it to the size of the
  // largest block freed (up to 32 MiB), and from then on those blocks come from the arena, where
  // they stay resident between saves: +15-20 MiB of RSS on a busy host with a full history.
  ::mallopt(M_MMAP_THRESHOLD, 1 << 20);  // NOLINT(concurrency-mt-unsafe)
  ::mallopt(M_TRIM_THRESHOLD, 4 << 20);  // NOLINT(concurrency-mt-unsafe)
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    (void)std::fprintf(stderr, "leakwatchd: fatal: %s\n", e.what());
    return EXIT_FAILURE;
  }
}
