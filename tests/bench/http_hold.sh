#!/usr/bin/env bash
# tests/bench/http_hold.sh - leakwatchd's HTTP port under slow clients and under load (issue 9):
#   slow   http_hold.py: 100 slow connections (idle after half a request line; trickling one
#          header line a second) from 1 and from 10 loopback addresses, and the "loop of nc"
#          (every closed one reopened at once), while a prober on another address fetches
#          /healthz and /metrics every 100 ms: worst and p99 latency, failures, when the slow
#          connections were closed
#   load   the shared fleet of N processes, then wrk: 50 connections for 60 s on /metrics
#          (as Prometheus asks, gzip), latency p99 and errors
#   big    the suite's 10 MiB /metrics case (http_tests "[big]"): served whole, plain and gzip
# and stops everything it started (by recorded pid) and the fleet, also on error or Ctrl-C.
#
#   tests/bench/http_hold.sh [--fleet 2000] [--hold-seconds 20] [--wrk-seconds 60]
#                            [--phases slow,load,big] [--out DIR]
#
# Needs: a Release build in build-bench (see RESULTS.md; LEAKWATCHD overrides the binary, e.g. an
# older build for before/after figures), http_tests in build (HTTP_TESTS overrides), wrk, root
# (other users' /proc files), python3. Port: 19403. State: tests/bench/.run/ (BENCH_RUN_DIR).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
SHARED="${SHARED_BENCH:-$(cd "$ROOT/../shared/bench" && pwd)}"
export BENCH_RUN_DIR="${BENCH_RUN_DIR:-$HERE/.run}"
# shellcheck source=/dev/null
. "$SHARED/lib.sh" # bg_start/bg_stop_all (pid + start time registry), wait_http
DAEMON="${LEAKWATCHD:-$ROOT/build-bench/daemon/leakwatchd}"
HTTP_TESTS="${HTTP_TESTS:-$ROOT/build/tests/http_tests}"
PORT=19403

FLEET=2000; HOLD_S=20; WRK_S=60; PHASES=slow,load,big; OUT=""
while (($#)); do
  case $1 in
    --fleet) FLEET=$2; shift 2 ;;
    --hold-seconds) HOLD_S=$2; shift 2 ;;
    --wrk-seconds) WRK_S=$2; shift 2 ;;
    --phases) PHASES=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    -h|--help) sed -n '2,19p' "$0"; exit 0 ;;
    *) die "unknown option $1 (see --help)" ;;
  esac
done
[[ -x $DAEMON ]] || die "$DAEMON missing: cmake -S $ROOT -B $ROOT/build-bench -G Ninja -DCMAKE_BUILD_TYPE=Release && cmake --build $ROOT/build-bench --target leakwatchd"
has_phase() { [[ ,$PHASES, == *,$1,* ]]; }
OUT=${OUT:-$BENCH_RUN_DIR/results/http-$(date +%Y%m%d-%H%M%S)}
mkdir -p "$OUT"
OUT=$(realpath "$OUT")
SUMMARY="$OUT/summary.txt"
bg_reap_stale

cleanup() {
  bg_stop_all
  if has_phase load; then "$SHARED/spawn_fleet.sh" stop >/dev/null || true; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
note() { echo "$*" | tee -a "$SUMMARY"; }

CONFIG="$OUT/leakwatch.yaml"
cat >"$CONFIG" <<YAML
# The shipped defaults, except the port, a 15 s scan interval and a state directory of its own.
scan:
  interval: 15s
web:
  listen: "127.0.0.1:$PORT"
paths:
  state_dir: $OUT/state
log:
  level: warn
YAML

start_daemon() {
  port_free "$PORT" || die "port $PORT is in use"
  bg_start leakwatchd "$OUT/leakwatchd.log" "$DAEMON" --config "$CONFIG"
  DAEMON_PID=$BG_LAST_PID
  wait_http "http://127.0.0.1:$PORT/healthz" "$DAEMON_PID" 60 || die "leakwatchd did not answer"
}

note "http_hold.sh $(date -u +%FT%TZ) daemon=$DAEMON load=$(cut -d' ' -f1-3 /proc/loadavg)"
if has_phase slow; then
  start_daemon
  for mode in idle trickle; do
    for addrs in 1 10; do
      note "$(python3 "$HERE/http_hold.py" --port "$PORT" --conns 100 --addrs "$addrs" \
        --mode "$mode" --duration "$HOLD_S")"
    done
  done
  note "$(python3 "$HERE/http_hold.py" --port "$PORT" --conns 100 --addrs 1 --mode idle \
    --duration "$HOLD_S" --reopen)"
  note "$(python3 "$HERE/http_hold.py" --port "$PORT" --conns 300 --addrs 10 --mode trickle \
    --duration "$HOLD_S" --reopen)"
  bg_stop_one "$DAEMON_PID"
fi

if has_phase load; then
  command -v wrk >/dev/null || die "wrk missing: apt-get install wrk"
  "$SHARED/spawn_fleet.sh" start "$FLEET" >"$OUT/fleet.log"
  start_daemon
  sleep 16 # one full 15 s scan over the fleet, so /metrics has its full size
  bytes=$(curl -fsS --max-time 30 "http://127.0.0.1:$PORT/metrics" | wc -c)
  gz=$(curl -fsS --max-time 30 -H 'Accept-Encoding: gzip' "http://127.0.0.1:$PORT/metrics" | wc -c)
  wrk -t2 -c50 -d"${WRK_S}s" --timeout 10s --latency -H 'Accept-Encoding: gzip' \
    "http://127.0.0.1:$PORT/metrics" >"$OUT/wrk.txt"
  p99=$(awk '$1 == "99%" { print $2 }' "$OUT/wrk.txt")
  p50=$(awk '$1 == "50%" { print $2 }' "$OUT/wrk.txt")
  reqs=$(awk '/requests in/ { print $1 }' "$OUT/wrk.txt")
  errors=$(awk '/Socket errors|Non-2xx/ { print }' "$OUT/wrk.txt" | tr '\n' ' ')
  note "load: fleet=$FLEET procs=$(count_procs) body_bytes=$bytes gzip_bytes=$gz wrk_c=50" \
    "seconds=$WRK_S requests=$reqs p50=$p50 p99=$p99 errors=[${errors:-none}]"
  bg_stop_one "$DAEMON_PID"
  "$SHARED/spawn_fleet.sh" stop >/dev/null
fi

if has_phase big; then
  [[ -x $HTTP_TESTS ]] || die "$HTTP_TESTS missing: cmake --build build --target http_tests"
  t0=$(date +%s.%N)
  if "$HTTP_TESTS" "[big]" >"$OUT/big.txt" 2>&1; then result=passed; else result=FAILED; fi
  note "big: 10 MiB /metrics served whole (plain + gzip, compared byte for byte): $result" \
    "in $(echo "$(date +%s.%N) - $t0" | bc) s"
fi
note "done; raw output in $OUT"
