#!/bin/bash
# prometheus_e2e.sh LEAKWATCHD LW_WORKLOAD
#
# The shipped alert rules and Grafana dashboard, run by a real Prometheus against a real
# leakwatchd that watches real workloads, at 1/60 time (tests/support/daemon.cpp's fast config:
# interval 166ms, windows 15s/1m/6m, warm-up grace 10s; so an hour is a minute).
#
#   1. workloads, started (and named) before the daemon: lw-prom-leak (leaks 1 MiB/s, in a memory
#      cgroup limited to 1 GiB), lw-prom-plateau (grows 3 MiB/s for 8 s, then flat: a warm-up,
#      not a leak), lw-prom-fdleak (opens 5 FDs/s), and in a second cgroup lw-prom-oom (leaks
#      1 MiB/s) beside an idle lw-prom-oomsib. The cgroups need root and a v1 or v2 memory
#      controller; without them the cgroup-limit and OOM parts are skipped (and allow-listed);
#   2. leakwatchd (fast config, 127.0.0.1:0, include comm "lw-prom-.*");
#   3. Prometheus (/usr/bin/prometheus, 127.0.0.1 on a free port, scrape and evaluation every
#      1s) loading a copy of config/prometheus/leakwatch-rules.yml with every `for:` set to 5s;
#   4. LeakwatchProcessMemoryLeak must fire for the leaker (pid and comm) within 90 s and
#      LeakwatchFdLeak for the FD leaker; at every poll (1 s) LeakwatchProcessMemoryLeak must not
#      fire for the plateau, the FD leaker or the idle sibling, and LeakwatchDown must not fire;
#      watching lasts at least 60 s (an hour at this scale);
#   5. the OOM cgroup's limit drops to its usage + 16 MiB: the kernel OOM-kills lw-prom-oom; the
#      kill must reach Prometheus (per group and per cgroup) and fire LeakwatchOOMKill;
#   6. every dashboard query (tests/ops/dashboard_queries.py) runs as an instant query: status
#      success and a non-empty result, except the allow-list printed below (with its reasons).
#
# Everything lives in a temp dir; every process is stopped by its recorded pid on exit. Needs
# bash, python3 (stdlib), prometheus (Debian package). Exits non-zero with FAIL: on any failure.
# LW_PROM_E2E_KEEP=1 keeps the temp dir (logs, TSDB) for a post-mortem.
set -uo pipefail

if [ $# -ne 2 ]; then
  echo "usage: $0 LEAKWATCHD LW_WORKLOAD" >&2
  exit 2
fi
DAEMON=$(realpath "$1")
WORKLOAD=$(realpath "$2")
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
RULES=$ROOT/config/prometheus/leakwatch-rules.yml
PROMETHEUS=${PROMETHEUS:-/usr/bin/prometheus}

START=$(date +%s.%N)
log() { printf '[%6.1fs] %s\n' "$(echo "$(date +%s.%N) $START" | awk '{print $1 - $2}')" "$*"; }

for f in "$DAEMON" "$WORKLOAD" "$PROMETHEUS"; do
  [ -x "$f" ] || { echo "FAIL: $f is not an executable (prometheus: Debian package prometheus)"; exit 1; }
done
command -v python3 >/dev/null || { echo "FAIL: python3 not found"; exit 1; }

T=$(mktemp -d "${TMPDIR:-/tmp}/lw-prom-e2e.XXXXXX") || { echo "FAIL: mktemp"; exit 1; }
PIDS=()     # every process we started, in start order
NAMES=()    # and what it is
CGROUPS=()  # memory cgroups we made
FAILED=1    # cleared on success; on failure, logs are shown
PY_PID=""   # the Python helper running now, if any

# --- processes ------------------------------------------------------------------------------
# State of a child from /proc/PID/stat (after the comm, which may contain spaces): empty once
# it is gone, Z while it is a zombie (our child, not yet reaped: its pid cannot be reused).
proc_state() { [ -r "/proc/$1/stat" ] && sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | cut -c1; }
alive() { local s; s=$(proc_state "$1"); [ -n "$s" ] && [ "$s" != Z ]; }

stop_pid() {  # pid name: SIGTERM, up to 5 s, then SIGKILL; then reap
  local pid=$1 name=$2 i
  if alive "$pid"; then
    kill -TERM "$pid" 2>/dev/null
    for ((i = 0; i < 50; i++)); do alive "$pid" || break; sleep 0.1; done
    if alive "$pid"; then
      echo "note: $name (pid $pid) ignored SIGTERM for 5 s, sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null
    fi
  fi
  wait "$pid" 2>/dev/null
}

cleanup() {
  local rc=$? i
  trap - EXIT INT TERM
  [ -n "$PY_PID" ] && stop_pid "$PY_PID" "the Python helper"
  for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do
    stop_pid "${PIDS[$i]}" "${NAMES[$i]}"
  done
  for cg in "${CGROUPS[@]}"; do
    for ((i = 0; i < 50; i++)); do rmdir "$cg" 2>/dev/null && break; [ -d "$cg" ] || break; sleep 0.1; done
    [ -d "$cg" ] && echo "note: could not remove cgroup $cg"
  done
  if [ "$FAILED" -ne 0 ]; then
    for f in "$T"/*.log; do
      [ -f "$f" ] || continue
      echo "---- last lines of $(basename "$f") ----"
      tail -n 15 "$f"
    done
  fi
  if [ "${LW_PROM_E2E_KEEP:-0}" = 1 ]; then echo "kept $T"; else rm -rf "$T"; fi
  [ "$rc" -eq 0 ] && [ "$FAILED" -ne 0 ] && rc=1
  exit "$rc"
}
trap cleanup EXIT
trap 'echo "interrupted"; exit 130' INT
trap 'echo "terminated"; exit 143' TERM

die() { echo "FAIL: $*"; exit 1; }

# start NAME LOGFILE CMD...: runs CMD in the background, records its pid in $LAST_PID.
start() {
  local name=$1 logf=$2
  shift 2
  "$@" >"$logf" 2>&1 </dev/null &
  LAST_PID=$!
  PIDS+=("$LAST_PID")
  NAMES+=("$name")
}

# wait_line PID LOGFILE REGEX SECONDS: until LOGFILE has a line matching REGEX (and PID lives).
wait_line() {
  local pid=$1 logf=$2 re=$3 secs=$4 i
  for ((i = 0; i < secs * 10; i++)); do
    grep -qE "$re" "$logf" 2>/dev/null && return 0
    alive "$pid" || return 1
    sleep 0.1
  done
  return 1
}

# start_workload NAME ARGS...: a workload (in cgroup $CG if set), waits for "ready".
start_workload() {
  local name=$1
  shift
  if [ -n "${CG:-}" ]; then
    start "$name" "$T/$name.log" /bin/sh -c 'cg=$1; shift; echo $$ > "$cg/cgroup.procs" && exec "$@"' \
      sh "$CG" "$WORKLOAD" --name "$name" "$@"
  else
    start "$name" "$T/$name.log" "$WORKLOAD" --name "$name" "$@"
  fi
  wait_line "$LAST_PID" "$T/$name.log" '^ready [0-9]+' 30 || die "workload $name did not get ready in 30 s"
}

# --- memory cgroups ---------------------------------------------------------------------------
# make_cgroup NAME LIMIT_BYTES: sets CG to a new memory cgroup limited to LIMIT_BYTES (no swap),
# or to "" with CG_WHY saying why not (not root, no memory controller...). Same rules as
# tests/integration/oom_test.cpp: v1 memory controller at /sys/fs/cgroup/memory, else v2 with
# the memory controller enabled at /sys/fs/cgroup.
make_cgroup() {
  local name=$1 limit=$2 dir
  CG=""
  if [ "$(id -u)" -ne 0 ]; then CG_WHY="not root"; return 1; fi
  if [ -e /sys/fs/cgroup/memory/memory.limit_in_bytes ]; then
    dir=/sys/fs/cgroup/memory/$name
    mkdir "$dir" 2>/dev/null || { CG_WHY="mkdir $dir failed"; return 1; }
    CGROUPS+=("$dir")
    echo "$limit" >"$dir/memory.limit_in_bytes" || { CG_WHY="cannot set $dir/memory.limit_in_bytes"; return 1; }
    [ -e "$dir/memory.memsw.limit_in_bytes" ] && echo "$limit" >"$dir/memory.memsw.limit_in_bytes" 2>/dev/null
  elif grep -qw memory /sys/fs/cgroup/cgroup.controllers 2>/dev/null; then
    dir=/sys/fs/cgroup/$name
    mkdir "$dir" 2>/dev/null || { CG_WHY="mkdir $dir failed"; return 1; }
    CGROUPS+=("$dir")
    [ -e "$dir/memory.max" ] || { CG_WHY="memory controller not enabled for $dir"; return 1; }
    echo "$limit" >"$dir/memory.max" || { CG_WHY="cannot set $dir/memory.max"; return 1; }
    [ -e "$dir/memory.swap.max" ] && echo 0 >"$dir/memory.swap.max" 2>/dev/null
  else
    CG_WHY="no v1 or v2 memory controller under /sys/fs/cgroup"
    return 1
  fi
  CG=$dir
}

# --- the Python half (prometheus_e2e_checks.py): HTTP API polling and checks ------------------
# In the background + wait, so that SIGINT/SIGTERM run the cleanup at once (bash defers traps
# until a foreground child returns); cleanup stops it by its pid.
py() {
  local rc
  python3 "$HERE/prometheus_e2e_checks.py" "$@" &
  PY_PID=$!
  wait "$PY_PID"
  rc=$?
  PY_PID=""
  return $rc
}

# --- 1. workloads, before the daemon ----------------------------------------------------------
# They all start, and name themselves, before leakwatchd first sees them: leakwatchd takes a
# process's comm (and group, and include/exclude verdict) at first sight and keeps it for the
# life of the (pid, starttime), through execve() and prctl(PR_SET_NAME); a scan that caught one
# between fork and its prctl would label it "bash" or "sh" for good.
log "temp dir $T"
CG_OK=0
LEAK_CG="" OOM_CG=""
if make_cgroup "lw-prom-leak-$$" $((1 << 30)); then
  LEAK_CG=$CG
  if make_cgroup "lw-prom-oom-$$" $((1 << 30)); then
    OOM_CG=$CG
    CG_OK=1
  fi
fi
if [ "$CG_OK" -eq 1 ]; then
  log "memory cgroups: $LEAK_CG (the leaker; limit 1 GiB), $OOM_CG (the OOM victim; 1 GiB until phase 4)"
else
  log "note: no memory cgroup could be made ($CG_WHY): cgroup-limit and OOM checks are skipped"
fi
T0=$(date +%s.%N)
CG=$LEAK_CG
start_workload lw-prom-leak --mode leak --base 20 --rate 1048576
LEAK_PID=$LAST_PID
CG=""
start_workload lw-prom-plateau --mode plateau --base 10 --rate 3145728 --period 8
PLATEAU_PID=$LAST_PID
start_workload lw-prom-fdleak --mode fdleak --rate 5
FDLEAK_PID=$LAST_PID
NONLEAK="$PLATEAU_PID,$FDLEAK_PID"
OURS="$LEAK_PID=lw-prom-leak,$PLATEAU_PID=lw-prom-plateau,$FDLEAK_PID=lw-prom-fdleak"
if [ "$CG_OK" -eq 1 ]; then
  # The OOM victim leaks 1 MiB/s from the start; phase 4 lowers its cgroup's limit to just above
  # its usage. The idle sibling keeps the cgroup populated after the kill (a container's init, a
  # unit's other processes): leakwatchd exports only cgroups that hold processes, so without it
  # the cgroup's series (and its oom_kills_total 0 -> 1) would vanish at the scan that sees the
  # kill.
  CG=$OOM_CG
  start_workload lw-prom-oomsib --mode idle --base 1
  OOMSIB_PID=$LAST_PID
  start_workload lw-prom-oom --mode oom --base 8 --rate 1048576 --tick 20
  OOM_PID=$LAST_PID
  CG=""
  NONLEAK="$NONLEAK,$OOMSIB_PID"
  OURS="$OURS,$OOM_PID=lw-prom-oom,$OOMSIB_PID=lw-prom-oomsib"
fi
log "t=0 (the t= below count from here): workloads ${OURS//,/, }"

# --- 2. leakwatchd ----------------------------------------------------------------------------
mkdir -p "$T/state"
cat >"$T/leakwatch.yaml" <<EOF
# tests/support/daemon.cpp fast_config_yaml(): every duration of the defaults divided by 60.
scan:
  interval: 166ms
  limits_interval: 1s
  smaps:
    min_interval: 5s
    budget: 500ms
store:
  retention: 6m
  dead_grace: 15s
  snapshot_interval: 5s
analysis:
  windows: [15s, 1m, 6m]
  warmup_grace: 10s
  min_observed: 15s
  rate_period: 1m
web:
  listen: "127.0.0.1:0"
  request_timeout: 2s
export:
  include:
    - comm: "lw-prom-.*"
paths:
  state_dir: $T/state
EOF
start leakwatchd "$T/leakwatchd.log" "$DAEMON" --config "$T/leakwatch.yaml"
DAEMON_PID=$LAST_PID
wait_line "$DAEMON_PID" "$T/leakwatchd.log" '\(port [0-9]+\)' 20 || die "leakwatchd did not log its port within 20 s"
LW_PORT=$(grep -oE '\(port [0-9]+\)' "$T/leakwatchd.log" | head -n1 | grep -oE '[0-9]+')
log "leakwatchd pid $DAEMON_PID listens on 127.0.0.1:$LW_PORT"

# --- 3. Prometheus ----------------------------------------------------------------------------
sed -E 's/^( +)for: [0-9]+[smhd]$/\1for: 5s/' "$RULES" >"$T/leakwatch-rules.yml"
n_for=$(grep -cE '^ +for: ' "$RULES")
n_5s=$(grep -cE '^ +for: 5s$' "$T/leakwatch-rules.yml")
n_rules=$(grep -cE '^ +- alert: ' "$RULES")
[ "$n_for" -gt 0 ] && [ "$n_5s" -eq "$n_for" ] && [ "$(grep -cE '^ +for: ' "$T/leakwatch-rules.yml")" -eq "$n_for" ] ||
  die "scaling the rules' for: failed ($n_for for: lines, $n_5s now 5s)"
log "rules copy: $n_rules alerts, all $n_for 'for:' set to 5s"

prom_ready() { python3 -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1] + "/-/ready", timeout=2)' "$PROM_URL" 2>/dev/null; }
PROM_PID=""
for attempt in 1 2 3 4 5; do
  PROM_PORT=$(py freeport) || die "cannot find a free port"
  cat >"$T/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
rule_files:
  - $T/leakwatch-rules.yml
scrape_configs:
  - job_name: leakwatch
    static_configs:
      - targets: ["127.0.0.1:$LW_PORT"]
EOF
  rm -rf "$T/tsdb"
  start prometheus "$T/prometheus.log" "$PROMETHEUS" --config.file="$T/prometheus.yml" \
    --storage.tsdb.path="$T/tsdb" --web.listen-address="127.0.0.1:$PROM_PORT"
  PROM_PID=$LAST_PID
  export PROM_URL="http://127.0.0.1:$PROM_PORT"
  for ((i = 0; i < 300; i++)); do  # 30 s
    alive "$PROM_PID" || break
    prom_ready && break
    sleep 0.1
  done
  alive "$PROM_PID" && prom_ready && break
  if grep -q 'address already in use' "$T/prometheus.log"; then
    log "port $PROM_PORT was taken meanwhile (attempt $attempt), retrying"
    stop_pid "$PROM_PID" prometheus
    cp "$T/prometheus.log" "$T/prometheus-attempt$attempt.txt"
    PROM_PID=""
    continue
  fi
  die "Prometheus did not get ready within 30 s"
done
[ -n "$PROM_PID" ] || die "Prometheus: no free port after 5 attempts"
log "Prometheus pid $PROM_PID ready on $PROM_URL ($("$PROMETHEUS" --version 2>&1 | head -n1))"
OURS="$OURS,$DAEMON_PID=leakwatchd,$PROM_PID=prometheus"
py check_rules "$n_rules" || exit 1
py wait_up "$T0" 30 "$T/alerts.json" || exit 1

# --- 4. the leak alerts -----------------------------------------------------------------------
py watch_leak "$T0" "$T/alerts.json" "$LEAK_PID" "$PLATEAU_PID" "$FDLEAK_PID" 90 60 || exit 1
for p in "$LEAK_PID" "$PLATEAU_PID" "$FDLEAK_PID" "$DAEMON_PID" "$PROM_PID" ${OOM_PID:-} ${OOMSIB_PID:-}; do
  alive "$p" || die "process $p died during the test"
done

# --- 5. a real OOM kill in a cgroup -----------------------------------------------------------
if [ "$CG_OK" -eq 1 ]; then
  if [ -e "$OOM_CG/memory.limit_in_bytes" ]; then  # v1: limit first, then memsw (>= limit)
    usage=$(cat "$OOM_CG/memory.usage_in_bytes")
    limit=$((usage + (16 << 20)))
    echo "$limit" >"$OOM_CG/memory.limit_in_bytes" || die "cannot lower $OOM_CG/memory.limit_in_bytes"
    [ -e "$OOM_CG/memory.memsw.limit_in_bytes" ] && echo "$limit" >"$OOM_CG/memory.memsw.limit_in_bytes" 2>/dev/null
  else
    usage=$(cat "$OOM_CG/memory.current")
    limit=$((usage + (16 << 20)))
    echo "$limit" >"$OOM_CG/memory.max" || die "cannot lower $OOM_CG/memory.max"
  fi
  log "lowered $OOM_CG's limit to its usage + 16 MiB ($((limit >> 20)) MiB): lw-prom-oom (1 MiB/s) hits it in ~16 s"
  for ((i = 0; i < 600; i++)); do alive "$OOM_PID" || break; sleep 0.1; done  # 60 s
  alive "$OOM_PID" && die "lw-prom-oom (pid $OOM_PID) was not OOM-killed within 60 s"
  wait "$OOM_PID"
  st=$?
  [ "$st" -eq 137 ] || die "lw-prom-oom exited with status $st, not by SIGKILL (137)"
  log "lw-prom-oom (pid $OOM_PID) was OOM-killed (SIGKILL; bash reports it as Killed above)"
  py watch_oom "$T0" "$T/alerts.json" "$NONLEAK" "$OOM_PID" "/${OOM_CG##*/}" 30 || exit 1
fi

# --- 6. every dashboard query -----------------------------------------------------------------
# Queries that may legitimately return nothing here, as "regex<TAB>why"; printed when used.
: >"$T/allow.tsv"
allow() { printf '%s\t%s\n' "$1" "$2" >>"$T/allow.tsv"; echo "allow-list: /$1/: $2"; }
# The host's MemAvailable trend: absent (by design) whenever it is not falling; on a shared host
# other processes freeing memory can outweigh the leaker's 1 MiB/s.
allow 'leakwatch_system_seconds_to_memory_exhaustion' \
  "absent unless MemAvailable is falling; other processes on the host can outweigh the leaker"
# Drawn only while a group crash-loops; this test stages no crash loop (the integration test
# "crash loop: a leaker OOM-killed and restarted ..." does, against the same metric).
allow 'leakwatch_group_crash_loop\{[^}]*\} == 1' \
  "only a crash-looping group is drawn, and this test stages none"
# Per-cgroup PSI is cgroup v2's memory.pressure; the v1 memory controller has none.
layout=$(python3 -c 'import json, sys, urllib.request, urllib.parse
r = json.load(urllib.request.urlopen(sys.argv[1] + "/api/v1/query?" + urllib.parse.urlencode({"query": "leakwatch_cgroup_layout == 1"}), timeout=5))
print(",".join(x["metric"].get("layout", "?") for x in r["data"]["result"]))' "$PROM_URL")
if [ "$layout" != v2 ]; then
  allow 'leakwatch_cgroup_memory_pressure_' "per-cgroup PSI exists only on cgroup v2; this host's memory cgroups are '$layout'"
fi
if [ "$CG_OK" -ne 1 ]; then
  allow 'leakwatch_cgroup_memory_limit_bytes|leakwatch_cgroup_seconds_to_limit' \
    "no cgroup with a memory limit could be made ($CG_WHY)"
  allow 'oom_kills_total\{[^}]*\}\[[^]]*\]\) > 0' "no OOM kill could be provoked ($CG_WHY)"
fi
python3 "$HERE/dashboard_queries.py" >"$T/queries.txt" || die "dashboard_queries.py failed"
log "running $(wc -l <"$T/queries.txt") dashboard queries (window labels mapped 15m/1h/6h -> 15s/1m/6m: the daemon runs at 1/60 time)"
py run_queries "$T/queries.txt" "$T/allow.tsv" "$T/alerts.json" "$NONLEAK" "$T0" || exit 1

py summary "$T/alerts.json" "$OURS"
log "timing (t = seconds after the workloads started; rules' for: 5s, scrape/eval 1s): $(cat "$T/alerts.json.timing")"
FAILED=0
log "prometheus_e2e: OK"
