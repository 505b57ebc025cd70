#!/usr/bin/env bash
# tests/bench/run.sh - leakwatchd against the shared /proc benchmark harness (../shared/bench):
# one fleet of N idle processes, then per repetition:
#   compare   compare.sh: leakwatchd (bench.yaml, 15 s scans) + process-exporter (per pid, by comm)
#             + node_exporter (defaults+processes, processes only), interleaved scrapes, ratios
#   scan      CPU per scan of leakwatchd itself (scan.yaml, 1 s scans, no scrapes in the window:
#             schedstat of all its threads over whole scans / scans), between two rawscan runs of
#             the same per-scan file set (-k stat,status,fdstat) -> ratio ours / floor
#   fd        rawscan -e -k fd,fdstat: fd count by readdir vs st_size of /proc/PID/fd
#   retention leakwatchd (retention.yaml: 100 ms scans, 216 s = 2,160 samples, every duration /100)
#             until the history is full (>= 2,161 + 240 scans, at least --retention-min s), polled
#             every 10 s: RSS, HWM, leakwatch_store_bytes, leakwatch_store_series, CPU per scan
# With FLEET_BUSY_MS=3000 in the environment the fleet is busy (every child changes its memory and
# fds every few seconds); retention then also gives the busy ratio (rawscan before and after it).
# and stops everything it started (by recorded pid) and the fleet, also on error or Ctrl-C.
#
#   tests/bench/run.sh [--reps 2] [--fleet 2000] [--scrapes 50] [--idle 60]
#                      [--phases compare,scan,fd,retention] [--scan-seconds 60]
#                      [--retention-min 240] [--retention-max 900] [--out DIR]
#
# --idle must be a multiple of 15 s (bench.yaml's scan period), so the idle window holds whole scans.
# Needs: a Release build in build-bench (see RESULTS.md), root (other users' /proc files),
# prometheus-process-exporter and prometheus-node-exporter (compare). Ports: 19400 (bench.yaml),
# 19401 (scan.yaml), 19402 (retention.yaml), and the peers' (see ../shared/bench/README.md).
# State and raw output: tests/bench/.run/ (BENCH_RUN_DIR; git-ignored).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
SHARED="${SHARED_BENCH:-$(cd "$ROOT/../shared/bench" && pwd)}"
export BENCH_RUN_DIR="${BENCH_RUN_DIR:-$HERE/.run}"
# shellcheck source=/dev/null
. "$SHARED/lib.sh" # bg_start/bg_stop_all (pid + start time registry), wait_http, stat_field, build_bins
DAEMON="${LEAKWATCHD:-$ROOT/build-bench/daemon/leakwatchd}"

REPS=2; FLEET=2000; SCRAPES=50; IDLE=60; PHASES=compare,scan,fd,retention; SCAN_S=60
RET_MIN=240; RET_MAX=900; OUT=""
while (($#)); do
  case $1 in
    --reps) REPS=$2; shift 2 ;;
    --fleet) FLEET=$2; shift 2 ;;
    --scrapes) SCRAPES=$2; shift 2 ;;
    --idle) IDLE=$2; shift 2 ;;
    --phases) PHASES=$2; shift 2 ;;
    --scan-seconds) SCAN_S=$2; shift 2 ;;
    --retention-min) RET_MIN=$2; shift 2 ;;
    --retention-max) RET_MAX=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    -h|--help) sed -n '2,23p' "$0"; exit 0 ;;
    *) die "unknown option $1 (see --help)" ;;
  esac
done
[[ -x $DAEMON ]] || die "$DAEMON missing: cmake -S $ROOT -B $ROOT/build-bench -G Ninja -DCMAKE_BUILD_TYPE=Release && cmake --build $ROOT/build-bench --target leakwatchd"
has_phase() { [[ ,$PHASES, == *,$1,* ]]; }
OUT=${OUT:-$BENCH_RUN_DIR/results/run-$(date +%Y%m%d-%H%M%S)}
mkdir -p "$OUT"
OUT=$(realpath "$OUT")
SUMMARY="$OUT/summary.txt"
build_bins
bg_reap_stale
RAWSCAN="$BIN_DIR/rawscan"

cleanup() {
  bg_stop_all
  "$SHARED/spawn_fleet.sh" stop >/dev/null || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM

note() { echo "$*" | tee -a "$SUMMARY"; }
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }
# scrape URL: the body; metric NAME (body on stdin): the value of the unlabelled series NAME
scrape() { curl -fsS --max-time 10 "$1"; }
metric() { awk -v n="$1" '$1 == n && !done { print $2; done = 1 }'; }
# CPU time (ns) of every thread of PID, dead ones included: the process's own utime+stime in
# ticks is too coarse for 50 ms scans, so use the sum of task/*/schedstat (on-CPU ns).
sched_ns() {
  local t s=0 v
  for t in /proc/"$1"/task/*/schedstat; do read -r v _ 2>/dev/null <"$t" && s=$((s + v)); done
  echo "$s"
}
ticks() { echo $(($(stat_field "$1" 14) + $(stat_field "$1" 15))); }
status_kib() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }
# wait (bounded, polling /metrics every 50 ms) until leakwatch_scans_total changes; prints it
next_scan() { # URL MAX_S
  local url=$1 max=$2 first cur i
  first=$(scrape "$url" | metric leakwatch_scans_total)
  for ((i = 0; i < max * 20; i++)); do
    cur=$(scrape "$url" | metric leakwatch_scans_total)
    [[ $cur != "$first" ]] && { echo "$cur"; return 0; }
    sleep 0.05
  done
  return 1
}
rawscan_cpu() { awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^cpu_ms_med=/) { split($i, a, "="); print a[2] } }'; }
calc() { awk "BEGIN { printf \"%.${2:-2}f\", $1 }"; }

note "== tests/bench/run.sh $(date '+%F %T'): fleet $FLEET, reps $REPS, phases $PHASES"
note "daemon: $DAEMON ($(stat -c %y "$DAEMON" | cut -d. -f1)); kernel $(uname -r); $(nproc) CPUs; loadavg $(loadavg)"
"$SHARED/spawn_fleet.sh" start "$FLEET" | tee -a "$SUMMARY"
sleep 2

phase_compare() { # REP
  local dir="$OUT/rep$1/compare"
  note "-- rep $1 compare (loadavg before $(loadavg))"
  "$SHARED/compare.sh" --fleet "$FLEET" --scrapes "$SCRAPES" --idle "$IDLE" --interval 15 \
    --ours "$DAEMON --config $HERE/bench.yaml" --ours-url http://127.0.0.1:19400/metrics \
    --ours-name leakwatch --out "$dir" >"$OUT/rep$1/compare.log" 2>&1 ||
    { tail -20 "$OUT/rep$1/compare.log"; die "compare.sh failed"; }
  tee -a "$SUMMARY" <"$dir/summary.md"
  # compare.sh's "CPU/scrape" of a timer-driven daemon also holds the scans that ran during the
  # rounds (rounds last minutes), which "idle CPU/s x 15" counts again; without that double count:
  # per-scrape median (schedstat, all threads) + idle CPU/s x 15 (the idle window is a multiple
  # of the 15 s scan period, so it holds whole scans).
  python3 - "$dir/summary.json" <<'PY' | tee -a "$SUMMARY"
import json, sys
rows = {r["name"]: r for r in json.load(open(sys.argv[1]))["rows"]}
o = rows["leakwatch"]
ours = o["cpu_ms_per_scrape_med_schedstat"] + o["idle_cpu_ms_per_s"] * 15
print(f"leakwatch CPU per 15 s interval without double count: {ours:.1f} ms "
      f"(scrape {o['cpu_ms_per_scrape_med_schedstat']:.1f} + idle {o['idle_cpu_ms_per_s']:.2f} ms/s x 15)")
for peer, goal in (("pe-pid", 0.1), ("node-procs", 1.5), ("node", None), ("pe-group", None)):
    if peer in rows:
        r = ours / rows[peer]["cpu_ms_per_interval"]
        print(f"  / {peer} {rows[peer]['cpu_ms_per_interval']:.1f} ms = {r:.3f}" + (f" (goal <= {goal})" if goal else ""))
print(f"leakwatch scrape latency med {o['lat_ms_med']:.1f} ms, p99 {o['lat_ms_p99']:.1f} ms (goal <= 20), "
      f"RSS {o['rss_mib']:.1f} MiB (HWM {o['hwm_mib']:.1f})")
PY
  note "(loadavg after $(loadavg))"
}

phase_scan() { # REP
  local dir="$OUT/rep$1/scan" url=http://127.0.0.1:19401/metrics pid s0 s1 c0 c1 t0 t1 w0 w1
  mkdir -p "$dir"
  note "-- rep $1 scan: CPU per scan, leakwatchd (scan.yaml, 1 s) vs rawscan -k stat,status,fdstat (loadavg $(loadavg))"
  "$RAWSCAN" -k stat,status,fdstat -r 20 -T 60 | tee "$dir/rawscan-before.txt" | tee -a "$SUMMARY"
  port_free 19401 || die "port 19401 is in use"
  bg_start leakwatch-scan "$dir/leakwatchd.log" "$DAEMON" --config "$HERE/scan.yaml"
  pid=$BG_LAST_PID
  wait_http "$url" "$pid" 60 || die "leakwatchd (scan.yaml) did not answer"
  next_scan "$url" 30 >/dev/null # skip the first scans (cgroup + limits of every process)
  next_scan "$url" 30 >/dev/null
  s0=$(next_scan "$url" 30); c0=$(sched_ns "$pid"); t0=$(ticks "$pid")
  w0=$(scrape "$url" | metric leakwatch_scan_duration_seconds_sum)
  sleep "$SCAN_S"
  s1=$(next_scan "$url" 30); c1=$(sched_ns "$pid"); t1=$(ticks "$pid")
  w1=$(scrape "$url" | metric leakwatch_scan_duration_seconds_sum)
  scrape "$url" >"$dir/metrics.prom"
  local rss; rss=$(status_kib "$pid" VmRSS)
  bg_stop_all
  "$RAWSCAN" -k stat,status,fdstat -r 20 -T 60 | tee "$dir/rawscan-after.txt" | tee -a "$SUMMARY"
  local n=$((s1 - s0)) f0 f1
  f0=$(rawscan_cpu <"$dir/rawscan-before.txt"); f1=$(rawscan_cpu <"$dir/rawscan-after.txt")
  local cpu wall tk floor
  cpu=$(calc "($c1 - $c0) / 1e6 / $n"); tk=$(calc "($t1 - $t0) * 10 / $n")
  wall=$(calc "($w1 - $w0) * 1000 / $n"); floor=$(calc "($f0 + $f1) / 2")
  note "leakwatchd: $n scans, CPU/scan $cpu ms (schedstat; utime+stime ticks: $tk ms), scan wall (scan_duration sum/count) $wall ms, processes_scanned $(metric leakwatch_processes_scanned <"$dir/metrics.prom"), RSS $((rss / 1024)) MiB"
  note "rawscan stat,status,fdstat CPU/scan: before $f0 ms, after $f1 ms, mean $floor ms"
  note "RATIO ours/floor CPU per scan: $(calc "$cpu / $floor") (goal <= 1.2)"
}

phase_fd() { # REP
  local dir="$OUT/rep$1"
  note "-- rep $1 fd: count by readdir (fd) vs st_size (fdstat) (loadavg $(loadavg))"
  "$RAWSCAN" -e -k fd,fdstat -r 20 -T 60 | tee "$dir/fd.txt" | tee -a "$SUMMARY"
}

# retention_summary POLL.TXT: from the last poll, totals; between the last poll with <= 1000 scans
# and the last one before the ring was full, marginal bytes per sample (per-series costs cancel)
retention_summary() {
  local cap=2161
  awk -v cap="$cap" '
    NR == 1 { next }
    { e[NR] = $1; s[NR] = $2; b[NR] = $3; n[NR] = $4; r[NR] = $5; h[NR] = $6; c[NR] = $7; last = NR }
    $2 <= 1000 { a = NR }
    $2 <= cap { z = NR }
    END {
      samples = s[last] < cap ? s[last] : cap
      printf "after %d s: %d scans (%.1f scans/s), %d series, %d samples per series kept\n", e[last], s[last], s[last] / e[last], n[last], samples
      printf "RSS %.1f MiB (HWM %.1f MiB); leakwatch_store_bytes %d (%.1f MiB)\n", r[last] / 1024, h[last] / 1024, b[last], b[last] / 1048576
      printf "store bytes per sample (store_bytes / (series x samples)): %.2f\n", b[last] / (n[last] * samples)
      if (a && z > a) printf "marginal bytes per sample (scans %d -> %d): %.2f\n", s[a], s[z], (b[z] - b[a]) / (n[z] * (s[z] - s[a]))
      p = last - 6 > 1 ? last - 6 : 2
      if (s[last] > s[p]) printf "CPU per scan over the last %d polls (scans %d -> %d, history %s): %.1f ms\n", last - p, s[p], s[last], (s[p] >= cap ? "full" : "NOT full"), (c[last] - c[p]) / 1e6 / (s[last] - s[p])
    }' "$1"
}

phase_retention() { # REP
  local dir="$OUT/rep$1/retention" url=http://127.0.0.1:19402/metrics pid
  local want=$((2161 + 240)) t_start now scans=0 body
  mkdir -p "$dir"
  note "-- rep $1 retention: retention.yaml (100 ms, 216 s = 2160 samples), until >= $want scans and >= $RET_MIN s (loadavg $(loadavg))"
  "$RAWSCAN" -k stat,status,fdstat -r 20 -T 60 | tee "$dir/rawscan-before.txt" | tee -a "$SUMMARY"
  port_free 19402 || die "port 19402 is in use"
  bg_start leakwatch-retention "$dir/leakwatchd.log" "$DAEMON" --config "$HERE/retention.yaml"
  pid=$BG_LAST_PID
  wait_http "$url" "$pid" 60 || die "leakwatchd (retention.yaml) did not answer"
  t_start=$(date +%s)
  echo "elapsed_s scans store_bytes store_series rss_kib hwm_kib sched_ns" >"$dir/poll.txt"
  while :; do
    sleep 10
    now=$(date +%s)
    body=$(scrape "$url")
    scans=$(metric leakwatch_scans_total <<<"$body")
    echo "$((now - t_start)) $scans $(metric leakwatch_store_bytes <<<"$body") $(metric leakwatch_store_series <<<"$body") $(status_kib "$pid" VmRSS) $(status_kib "$pid" VmHWM) $(sched_ns "$pid")" >>"$dir/poll.txt"
    ((scans >= want && now - t_start >= RET_MIN)) && break
    ((now - t_start >= RET_MAX)) && { note "stopped at --retention-max ($RET_MAX s) with $scans scans"; break; }
  done
  scrape "$url" >"$dir/metrics.prom"
  cp "/proc/$pid/smaps" "$dir/smaps.txt" # where the RSS is: heap, thread stacks, libraries
  bg_stop_all
  "$RAWSCAN" -k stat,status,fdstat -r 20 -T 60 | tee "$dir/rawscan-after.txt" | tee -a "$SUMMARY"
  retention_summary "$dir/poll.txt" | tee -a "$SUMMARY"
  local f0 f1 floor cpu
  f0=$(rawscan_cpu <"$dir/rawscan-before.txt"); f1=$(rawscan_cpu <"$dir/rawscan-after.txt")
  floor=$(calc "($f0 + $f1) / 2")
  cpu=$(awk 'NR > 1 { s[NR] = $2; c[NR] = $7; last = NR }
    END { p = last - 6 > 1 ? last - 6 : 2; if (s[last] > s[p]) printf "%.3f", (c[last] - c[p]) / 1e6 / (s[last] - s[p]); else print 0 }' "$dir/poll.txt")
  note "rawscan stat,status,fdstat CPU/scan: before $f0 ms, after $f1 ms, mean $floor ms (FLEET_BUSY_MS=${FLEET_BUSY_MS:-0})"
  note "RATIO full-history CPU per scan / floor: $(calc "$cpu / $floor") (goals: idle <= 1.2, busy <= 1.5)"
  note "where the cycle went (leakwatch_scan_phase_seconds_total, s): $(grep '^leakwatch_scan_phase_seconds_total' "$dir/metrics.prom" | sed 's/leakwatch_scan_phase_seconds_total//' | tr '\n' ' ')"
}

for ((rep = 1; rep <= REPS; rep++)); do
  mkdir -p "$OUT/rep$rep"
  has_phase compare && phase_compare "$rep"
  has_phase scan && phase_scan "$rep"
  has_phase fd && phase_fd "$rep"
  has_phase retention && phase_retention "$rep"
done
note "== done $(date '+%F %T'), loadavg $(loadavg); summary: $SUMMARY"
