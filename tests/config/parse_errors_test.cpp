// parse_config's errors: each names the file, line and column, the key's dotted path, what is
// wrong and what is allowed (unknown and duplicate keys, wrong types and ranges, bad regexes,
// refused features, YAML syntax, the top level and cross-field rules).

#include <string>
#include <string_view>

#include <catch2/catch.hpp>

#include "config/parse_helpers.h"

TEST_CASE("parse_config: an unknown key is an error at its position, at any depth", "[config]") {
  CHECK(error_of("log:\n  level: info\nlogging:\n  level: info\n") ==
        "leakwatch.yaml:3:1: logging: unknown key, allowed: scan, store, analysis, export, groups, "
        "web, attribution, paths, log");
  CHECK(error_of("scan:\n  interval: 10s\n  intervall: 20s\n") ==
        "leakwatch.yaml:3:3: scan.intervall: unknown key, allowed: interval, smaps, "
        "limits_interval, identity_refresh_scans, kmsg");
  CHECK(error_of("scan:\n  smaps:\n    enabled: true\n    budgett: 1s\n") ==
        "leakwatch.yaml:4:5: scan.smaps.budgett: unknown key, allowed: enabled, min_interval, "
        "max_age, max_rss, budget, top_k, force");
  CHECK(error_of("groups:\n  rules:\n    - match:\n        command: web\n      name: web\n") ==
        "leakwatch.yaml:4:9: groups.rules[0].match.command: unknown key, allowed: comm, exe, "
        "cmdline, cgroup");
  CHECK(error_of("export:\n  cgroups:\n    include:\n      - paht: x\n") ==
        "leakwatch.yaml:4:9: export.cgroups.include[0].paht: unknown key, allowed: path");
}

TEST_CASE("parse_config: a key given twice is an error at the second one", "[config]") {
  CHECK(error_of("store:\n  retention: 6h\n  dead_grace: 15m\n  retention: 12h\n") ==
        "leakwatch.yaml:4:3: store.retention: duplicate key (first at line 2, column 3), allowed: "
        "each key once");
  CHECK(error_of("scan: {}\nlog: {}\nscan:\n  kmsg: true\n") ==
        "leakwatch.yaml:3:1: scan: duplicate key (first at line 1, column 1), allowed: each key "
        "once");
  // The same user twice would silently keep one password.
  const std::string hash = "$2b$10$YQMR/pv/VVB3gkU/B9CiDO82WTQBkHJiXk4GGj53gU4j5hkuiVHiq";
  CHECK(starts_with(
      error_of("web:\n  basic_auth_users:\n    bob: " + hash + "\n    bob: " + hash + "\n"),
      "leakwatch.yaml:4:5: web.basic_auth_users.bob: duplicate key"));
}

TEST_CASE("parse_config: a value of the wrong type is an error at the value", "[config]") {
  CHECK(starts_with(error_of("scan:\n  interval: [10s]\n"),
                    "leakwatch.yaml:2:13: scan.interval: expected a single value, got a list, "
                    "allowed: an integer and a unit"));
  CHECK(error_of("export:\n  top_k: many\n") ==
        "leakwatch.yaml:2:10: export.top_k: 'many' is not a whole number, allowed: 0..1000");
  CHECK(error_of("export:\n  top_k: 2.5\n") ==
        "leakwatch.yaml:2:10: export.top_k: '2.5' is not a whole number, allowed: 0..1000");
  CHECK(error_of("scan:\n  kmsg: yes\n") ==
        "leakwatch.yaml:2:9: scan.kmsg: 'yes' is not a boolean, allowed: true, false");
  CHECK(error_of("scan: fast\n") ==
        "leakwatch.yaml:1:7: scan: expected a map, got 'fast', allowed: interval, smaps, "
        "limits_interval, identity_refresh_scans, kmsg");
  CHECK(starts_with(error_of("analysis:\n  windows: 15m\n"),
                    "leakwatch.yaml:2:12: analysis.windows: expected a list, got '15m'"));
  CHECK(error_of("analysis:\n  suspect_score: high\n") ==
        "leakwatch.yaml:2:18: analysis.suspect_score: 'high' is not a number, allowed: 0..1, "
        "written like 0.05 or 3");
  CHECK(starts_with(error_of("web:\n  allow: 10.0.0.0/8\n"),
                    "leakwatch.yaml:2:10: web.allow: expected a list, got '10.0.0.0/8'"));
  CHECK(starts_with(error_of("paths:\n  procfs: {a: b}\n"),
                    "leakwatch.yaml:2:11: paths.procfs: expected a single value, got a map"));
  CHECK(error_of("groups:\n  by: pid\n") ==
        "leakwatch.yaml:2:7: groups.by: 'pid' is not a grouping, allowed: comm, unit, cgroup, "
        "rules");
}

TEST_CASE("parse_config: a key without a value is an error at the key", "[config]") {
  CHECK(starts_with(error_of("scan:\n  interval:\nstore: {}\n"),
                    "leakwatch.yaml:2:3: scan.interval: missing value, allowed: an integer"));
  CHECK(starts_with(error_of("web:\n  allow:\n    - 10.0.0.0/8\n    -\n"),
                    "leakwatch.yaml:2:3: web.allow[1]: missing value"));
}

TEST_CASE("parse_config: an out-of-range value is an error at the value, with the range",
          "[config]") {
  CHECK(error_of("web:\n  threads: 2\n") ==
        "leakwatch.yaml:2:12: web.threads: 2 is out of range, allowed: 4..64");
  CHECK(error_of("web:\n  threads: 99999999999\n") ==
        "leakwatch.yaml:2:12: web.threads: 99999999999 is out of range, allowed: 4..64");
  CHECK(error_of("scan:\n  interval: 50ms\n") ==
        "leakwatch.yaml:2:13: scan.interval: 50ms is out of range, allowed: 100ms..1h");
  CHECK(error_of("scan:\n  smaps:\n    budget: 11s\n") ==
        "leakwatch.yaml:3:13: scan.smaps.budget: 11s is out of range, allowed: 0s..10s");
  CHECK(error_of("analysis:\n  suspect_score: 1.5\n") ==
        "leakwatch.yaml:2:18: analysis.suspect_score: 1.5 is out of range, allowed: 0..1");
  CHECK(error_of("analysis:\n  sibling_outlier_ratio: 1\n") ==
        "leakwatch.yaml:2:26: analysis.sibling_outlier_ratio: 1 is out of range, allowed: above "
        "1, at most 1000");
  CHECK(error_of("analysis:\n  windows: [15m, 1h, 6h, 5m, 10m, 20m, 30m, 40m, 50m]\n") ==
        "leakwatch.yaml:2:12: analysis.windows: 9 windows, allowed: 1..8 durations");
  CHECK(error_of("analysis:\n  windows: []\n") ==
        "leakwatch.yaml:2:12: analysis.windows: 0 windows, allowed: 1..8 durations");
  CHECK(error_of("analysis:\n  windows: [15m, 31d]\n") ==
        "leakwatch.yaml:2:18: analysis.windows[1]: 31d is out of range, allowed: 1s..30d");
  CHECK(error_of("analysis:\n  crash_loop_restart_within: 10ms\n") ==
        "leakwatch.yaml:2:30: analysis.crash_loop_restart_within: 10ms is out of range, allowed: "
        "100ms..1d");
}

TEST_CASE("parse_config: a malformed duration is an error at the value", "[config]") {
  const std::string bad = GENERATE("10 s", "-5s", "1.5h", "10x", "10", "99999999999999d");
  CAPTURE(bad);
  const std::string detail = error_of("store:\n  dead_grace: " + bad + "\n");
  CHECK(starts_with(detail, "leakwatch.yaml:2:15: store.dead_grace: '" + bad +
                                "' is not a duration (or too large), allowed: an integer and a "
                                "unit ms, s, m, h or d (e.g. 200ms, 10s, 5m, 6h, 1d)"));
}

TEST_CASE("parse_config: a malformed size is an error at the value", "[config]") {
  const std::string bad = GENERATE("16 GiB", "16G", "1.5GiB", "99999999999GiB", "-1");
  CAPTURE(bad);
  const std::string detail = error_of("scan:\n  smaps:\n    max_rss: " + bad + "\n");
  CHECK(starts_with(detail, "leakwatch.yaml:3:14: scan.smaps.max_rss: '" + bad +
                                "' is not a size (or too large), allowed: an integer of bytes"));
}

TEST_CASE("parse_config: a regex that does not compile is an error at the regex", "[config]") {
  const std::string detail =
      error_of("export:\n  include:\n    - comm: web\n    - exe: '(unclosed'\n");
  CHECK(starts_with(detail, "leakwatch.yaml:4:12: export.include[1].exe: bad regex '(unclosed': "));
  CHECK(detail.ends_with(", allowed: an RE2 regular expression (no backreferences or lookaround)"));
  CHECK(starts_with(error_of("groups:\n  by: rules\n  rules:\n    - match: {cgroup: '[a-'}\n"
                             "      name: x\n"),
                    "leakwatch.yaml:4:23: groups.rules[0].match.cgroup: bad regex '[a-': "));
  CHECK(starts_with(error_of("export:\n  cgroups:\n    exclude:\n      - path: '*x'\n"),
                    "leakwatch.yaml:4:15: export.cgroups.exclude[0].path: bad regex '*x': "));
}

TEST_CASE("parse_config: backreferences and lookaround are refused as not RE2", "[config]") {
  CHECK(error_of("export:\n  include:\n    - cmdline: '(a)\\1'\n") ==
        "leakwatch.yaml:3:16: export.include[0].cmdline: bad regex '(a)\\1': backreferences such "
        "as \\1 are not supported (user regexes are RE2 syntax), allowed: an RE2 regular "
        "expression (no backreferences or lookaround)");
  CHECK(starts_with(error_of("export:\n  exclude:\n    - comm: 'java(?!x)'\n"),
                    "leakwatch.yaml:3:13: export.exclude[0].comm: bad regex 'java(?!x)': "
                    "lookaround such as (?! is not supported (user regexes are RE2 syntax)"));
}

TEST_CASE("parse_config: a matcher or rule that sets nothing is an error", "[config]") {
  CHECK(error_of("export:\n  exclude:\n    - {}\n") ==
        "leakwatch.yaml:3:7: export.exclude[0]: a matcher needs at least one field, allowed: "
        "comm, exe, cmdline, cgroup (regexes)");
  CHECK(starts_with(error_of("scan:\n  smaps:\n    force:\n      -\n"),
                    "leakwatch.yaml:3:5: scan.smaps.force[0]: empty matcher"));
  CHECK(starts_with(error_of("groups:\n  rules:\n    - name: web\n"),
                    "leakwatch.yaml:3:7: groups.rules[0].match: a matcher needs at least one "
                    "field"));
  CHECK(starts_with(error_of("groups:\n  rules:\n    - match: {comm: web}\n"),
                    "leakwatch.yaml:3:7: groups.rules[0].name: empty name"));
  CHECK(starts_with(error_of("groups:\n  rules:\n    - match: {comm: web}\n      name: '{exe}'\n"),
                    "leakwatch.yaml:4:13: groups.rules[0].name: unknown placeholder {exe}"));
}

TEST_CASE("parse_config: any tls_server_config is refused with the reason", "[config]") {
  const std::string_view value = GENERATE("\n    cert_file: a.pem\n", "\n", " {}\n", " yes\n");
  CAPTURE(value);
  CHECK(error_of("web:\n  listen: ':9847'\n  tls_server_config:" + std::string(value)) ==
        "leakwatch.yaml:3:3: web.tls_server_config: TLS is not supported: leakwatch serves plain "
        "HTTP; terminate TLS in a reverse proxy (see README, 'TLS')");
}

TEST_CASE("parse_config: an IPv6 or host-name listen address is refused", "[config]") {
  CHECK(starts_with(error_of("web:\n  listen: '[::1]:9847'\n"),
                    "leakwatch.yaml:2:11: web.listen: IPv6 is not supported: the server listens "
                    "on IPv4 only"));
  CHECK(starts_with(error_of("web:\n  listen: '::1:9847'\n"),
                    "leakwatch.yaml:2:11: web.listen: IPv6 is not supported"));
  CHECK(starts_with(error_of("web:\n  listen: example.com:80\n"),
                    "leakwatch.yaml:2:11: web.listen: host 'example.com' is not an IPv4 address"));
  CHECK(starts_with(error_of("web:\n  listen: 9847\n"),
                    "leakwatch.yaml:2:11: web.listen: '9847' has no port"));
}

TEST_CASE("parse_config: a YAML syntax error names line and column", "[config]") {
  CHECK(error_of("scan:\n  interval: 10s\n  kmsg: [true\n") ==
        "leakwatch.yaml:4:1: YAML syntax error: end of sequence flow not found");
  CHECK(error_of("scan:\n\tinterval: 10s\n") ==
        "leakwatch.yaml:2:10: YAML syntax error: illegal map value");
  CHECK(starts_with(error_of("log:\n  level: info\n   bad: x\n"), "leakwatch.yaml:3:"));
}

TEST_CASE("parse_config: a lone ',' is a syntax error, not an endless parse", "[config]") {
  // yaml-cpp 0.7's LoadAll() loops for ever, allocating, on these (jbeder/yaml-cpp#1040); found by
  // tests/fuzz/config.cpp (corpus file regress-yaml-comma-loop).
  CHECK(error_of(",") == "leakwatch.yaml:1:1: YAML syntax error: unexpected character");
  CHECK(starts_with(error_of("log: {}\n,\n"), "leakwatch.yaml:2:1: "));
  CHECK(starts_with(error_of("[:"), "leakwatch.yaml:"));
}

TEST_CASE("parse_config: the top level must be one map of sections", "[config]") {
  CHECK(error_of("- scan\n- store\n") ==
        "leakwatch.yaml:1:1: top level: expected a map of sections, got a list, allowed: scan, "
        "store, analysis, export, groups, web, attribution, paths, log");
  CHECK(starts_with(error_of("hello\n"),
                    "leakwatch.yaml:1:1: top level: expected a map of sections, got 'hello'"));
  CHECK(starts_with(error_of("log: {}\n---\nscan: {}\n"),
                    "leakwatch.yaml:3:1: top level: more than one YAML document"));
  CHECK(starts_with(error_of("? [a, b]\n: c\n"),
                    "leakwatch.yaml:1:3: top level: keys must be "
                    "strings"));
}

TEST_CASE("parse_config: cross-field rules name the key and point at a value the file sets",
          "[config]") {
  // The window is in the file: point at it.
  CHECK(error_of("scan:\n  interval: 1m\nanalysis:\n  windows: [15m, 90s, 1h]\n") ==
        "leakwatch.yaml:4:18: analysis.windows: window 90s is shorter than 2 x scan.interval "
        "(1m), allowed: windows between 2 x scan.interval (2m) and store.retention (6h)");
  // Default windows, long interval: point at the interval.
  CHECK(starts_with(error_of("scan:\n  interval: 10m\n"),
                    "leakwatch.yaml:2:13: analysis.windows: window 15m is shorter than 2 x "
                    "scan.interval (10m)"));
  // Default windows, short retention: point at the retention.
  CHECK(error_of("store:\n  retention: 1h\n") ==
        "leakwatch.yaml:2:14: store.retention: 1h is shorter than the largest analysis window "
        "(6h), allowed: at least the largest window, at most 30d");
  // Default retention, long window: point at the window.
  CHECK(starts_with(error_of("analysis:\n  windows: [1h, 12h]\n"),
                    "leakwatch.yaml:2:17: store.retention: 6h is shorter than the largest "
                    "analysis window (12h)"));
  CHECK(starts_with(error_of("scan:\n  interval: 100ms\n"),
                    "leakwatch.yaml:2:13: store.retention: 6h at scan.interval 100ms keeps 216000 "
                    "samples per series, allowed: at most 100000 samples"));
  CHECK(starts_with(error_of("store:\n  retention: 6h\nanalysis:\n  min_observed: 7h\n"),
                    "leakwatch.yaml:4:17: analysis.min_observed: 7h is longer than "
                    "store.retention (6h)"));
  CHECK(starts_with(error_of("groups:\n  by: rules\n"),
                    "leakwatch.yaml:2:7: groups.by: 'rules' needs at least one entry in "
                    "groups.rules"));
}
