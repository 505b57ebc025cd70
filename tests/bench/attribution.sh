#!/usr/bin/env bash
# tests/bench/attribution.sh - what leakwatchd --attribute costs its target (issue 13).
#   light: lw_alloc_target --mode light at RATE malloc+free/s (paced, not CPU-bound): the target's
#          CPU (utime+stime from /proc/PID/stat) over WINDOW seconds without, then with a session.
#   heavy: lw_alloc_target --mode heavy (malloc+free as fast as it can): ops/s without, then the
#          session's probe-phase decision and detach times and the ops/s during and after it.
#   trap:  the per-probe-hit cost implied by the heavy run (ops lost per second / traps).
# Starts only its own processes and stops them by pid.
#
#   tests/bench/attribution.sh [BUILD_DIR] [RATE] [WINDOW]
set -euo pipefail
build=${1:-build}
rate=${2:-3000}
window=${3:-10}
target=$build/tests/lw_alloc_target
daemon=$build/daemon/leakwatchd
[[ -x $target && -x $daemon ]] || { echo "build $target and $daemon first" >&2; exit 2; }
scratch=$(mktemp -d /tmp/lw-attr-bench.XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -f "$scratch"/*; rmdir "$scratch"; }
trap cleanup EXIT

cpu_ticks() { awk '{ sub(/.*\) /, ""); print $12 + $13 }' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)

echo "== light: $rate calls/s, ${window}s windows"
"$target" --mode light --rate "$rate" >"$scratch/light.out" & pids+=($!); lp=$!
sleep 2
t0=$(cpu_ticks "$lp"); sleep "$window"; t1=$(cpu_ticks "$lp")
printf 'without session: %.2f%% of a CPU\n' "$(echo "($t1 - $t0) * 100 / $hz / $window" | bc -l)"
"$daemon" --attribute "$lp" --duration "$((window + 4))s" --format json >"$scratch/light.json" 2>"$scratch/light.err" &
dp=$!; pids+=($dp)
until grep -q "probes to" "$scratch/light.err"; do sleep 0.1; done
sleep 2  # past the probe phase
t0=$(cpu_ticks "$lp"); sleep "$window"; t1=$(cpu_ticks "$lp")
printf 'with session:    %.2f%% of a CPU\n' "$(echo "($t1 - $t0) * 100 / $hz / $window" | bc -l)"
wait "$dp" || true
python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); print("session: calls/s %.0f, projected %.2f%%, daemon CPU %.3fs, samples %d, outcome %s" % (j["calls_per_second"], j["projected_overhead_percent"], j["daemon_cpu_seconds"], j["sampled_allocations"], j["outcome"]))' "$scratch/light.json"
ops_light=$(grep -c '^ops' "$scratch/light.out" || true)
echo "(light target printed $ops_light ops lines; paced, so ops/s is flat by design)"

echo "== heavy: malloc+free as fast as possible"
"$target" --mode heavy >"$scratch/heavy.out" & pids+=($!); hp=$!
sleep 4
before=$(grep '^ops' "$scratch/heavy.out" | tail -3 | awk '{ s += $2 } END { printf "%.0f", s / NR }')
echo "without session: $before ops/s (mean of 3 s)"
lines_before=$(grep -c '^ops' "$scratch/heavy.out")
"$daemon" --attribute "$hp" --duration 30s --format json >"$scratch/heavy.json" 2>"$scratch/heavy.err" || rc=$?
echo "session exit code: ${rc:-0} (6 = probe phase detached)"
python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); print("decided %.3fs after attach, all probes removed %.3fs after attach; %.0f calls/s while attached, projected %.1f%% of a CPU" % (j["detach_decided_seconds"], j["detach_seconds"], j["calls_per_second"], j["projected_overhead_percent"]))' "$scratch/heavy.json"
sleep 3
echo "ops/s per second from just before the session to 3 s after it:"
tail -n +"$lines_before" "$scratch/heavy.out" | awk '{ printf " %s", $2 } END { print "" }'
# Target work lost: over the seconds of the dip (ops/s under 90% of the mean before), the sum of
# (before - ops/s) / before, in seconds of work. Seconds above 90% are left out as load noise from
# a shared machine, so a short dip is slightly under-counted.
tail -n +"$lines_before" "$scratch/heavy.out" |
  awk -v b="$before" '$2 < 0.9 * b { s += (b - $2) / b } END { printf "target work lost: %.2f s\n", s }'
