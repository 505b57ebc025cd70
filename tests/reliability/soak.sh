#!/usr/bin/env bash
# tests/reliability/soak.sh - the soak (RELIABILITY.md): leakwatchd for N minutes against a busy
# fleet (the shared harness, FLEET_BUSY_MS=3000: every child changes its memory and fds every few
# seconds) plus process churn (short-lived processes started every second), scraped every 5 s.
# Samples the daemon's RSS, its FD count and leakwatch_internal_entries{map} at every scrape, then
# judges the last 3/4 of the run:
#   rss_slope   linear fit of RSS over time, % of its mean per hour     pass: < 1 %/h
#   fds         the daemon's open FDs                  pass: drift < 1, within 2 (transients)
#   maps        each map's fitted drift over the window, % of its mean  pass: < 5 % (or < 20 entries)
# The history's retention is a sixth of the run (so the store is at its steady size before the
# judged window; with the default 6 h it would still be filling). A run of a few minutes is a
# smoke of the script: its RSS slope, extrapolated to an hour, means little.
# Prints the samples' file and one RESULT line; exit 0 when every check passes, 1 otherwise.
#
#   tests/reliability/soak.sh [--minutes 60] [--procs 2000] [--busy-ms 3000] [--churn 20]
#                             [--interval 2s] [--scrape 5] [--out FILE]
#
# The defaults are the issue's (one hour, 2,000 busy processes); a smoke run is e.g.
# --minutes 3 --procs 200. Needs: a build (LEAKWATCHD, default build/daemon/leakwatchd), root for
# other users' /proc files (or fewer readable processes), curl, python3. Stops everything it
# started (by recorded pid) and its fleet on exit, Ctrl-C included.
set -euo pipefail
# shellcheck source=tests/reliability/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

MINUTES=60; PROCS=2000; BUSY_MS=3000; CHURN=20; INTERVAL=2s; SCRAPE=5; OUT=""
while (($#)); do
  case $1 in
    --minutes) MINUTES=$2; shift 2 ;;
    --procs) PROCS=$2; shift 2 ;;
    --busy-ms) BUSY_MS=$2; shift 2 ;;
    --churn) CHURN=$2; shift 2 ;;
    --interval) INTERVAL=$2; shift 2 ;;
    --scrape) SCRAPE=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    -h|--help) sed -n '2,23p' "$0"; exit 0 ;;
    *) die "unknown option $1 (see --help)" ;;
  esac
done
OUT=${OUT:-$RUN_DIR/soak-$(date +%Y%m%d-%H%M%S).tsv}
STATE="$RUN_DIR/soak-state"
mkdir -p "$STATE"

cleanup() {
  bg_stop_all
  "$FLEET" stop >/dev/null 2>&1 || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM
bg_reap_stale

FLEET_BUSY_MS=$BUSY_MS FLEET_LIFETIME_S=$((MINUTES * 60 + 600)) "$FLEET" start "$PROCS"
# Churn: CHURN processes of 3 s every second, so pids come and go all the time (the fleet's own
# children live for the whole run).
bg_start churn "$RUN_DIR/churn.log" bash -c \
  "while :; do for ((i = 0; i < $CHURN; i++)); do sleep 3 & done; sleep 1; done"
# The history's retention: a sixth of the run (10 min for the hour, at least 30 s), so the store,
# the dead processes it keeps (retention / 5) and the verdicts are at their steady size well
# before the judged last 3/4 begins. With the default 6 h retention an hour-long run would only
# measure the history filling up.
RETENTION_S=$((MINUTES * 10 > 30 ? MINUTES * 10 : 30))
write_config "$RUN_DIR/soak.yaml" "$STATE" "$INTERVAL" "$RETENTION_S"
"$DAEMON" --check-config "$RUN_DIR/soak.yaml" >/dev/null || die "bad soak configuration"
start_daemon soak-daemon "$RUN_DIR/soak.yaml"

echo "soak: $MINUTES min, fleet $PROCS (busy ${BUSY_MS} ms), churn $CHURN/s, scans every $INTERVAL," \
  "retention ${RETENTION_S} s, scrapes every ${SCRAPE} s; daemon pid $DAEMON_PID port $PORT; samples in $OUT"
printf 't\trss_kib\tfds\tscrape_ms\tprocesses_scanned\tstore_series\tmaps\n' >"$OUT"
t0=$(date +%s.%N)
end=$(awk -v a="$t0" -v m="$MINUTES" 'BEGIN { printf "%.0f", a + m * 60 }')
errors=0
while (($(date +%s) < end)); do
  alive "$DAEMON_PID" || die "the daemon died: $(tail -n 5 "$RUN_DIR/soak-daemon.log")"
  s0=$(date +%s%N)
  if ! text=$(curl -fsS --max-time 30 "http://127.0.0.1:$PORT/metrics"); then
    errors=$((errors + 1)); sleep "$SCRAPE"; continue
  fi
  ms=$(( ($(date +%s%N) - s0) / 1000000 ))
  maps=$(awk '/^leakwatch_internal_entries\{/ { match($1, /map="[^"]*"/); printf "%s=%s,", substr($1, RSTART + 5, RLENGTH - 6), $2 }' <<<"$text")
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')" \
    "$(rss_kib "$DAEMON_PID")" "$(fd_count "$DAEMON_PID")" "$ms" \
    "$(metric_value "$text" leakwatch_processes_scanned)" "$(metric_value "$text" leakwatch_store_series)" \
    "$maps" >>"$OUT"
  sleep "$SCRAPE"
done

python3 - "$OUT" "$errors" "$MINUTES" "$PROCS" <<'PY'
import sys
path, errors, minutes, procs = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
rows = [l.rstrip("\n").split("\t") for l in open(path)][1:]
rows = [r for r in rows if len(r) == 7 and r[1]]
if len(rows) < 8:
    print(f"RESULT soak minutes={minutes} procs={procs} samples={len(rows)} verdict=FAIL (too few samples)")
    sys.exit(1)
tail = rows[len(rows) // 4:]  # the last 3/4 of the run
def fit(xs, ys):
    n = len(xs); mx = sum(xs) / n; my = sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    return (sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sxx if sxx else 0.0), my
t = [float(r[0]) for r in tail]
rss = [float(r[1]) for r in tail]
slope, mean = fit(t, rss)
rss_pct_h = slope * 3600 / mean * 100
fds = [int(r[2]) for r in tail]
scrape = sorted(int(r[3]) for r in rows)
maps = {}
for r in tail:
    for kv in filter(None, r[6].split(",")):
        k, v = kv.split("="); maps.setdefault(k, []).append(float(v))
span = t[-1] - t[0]
map_out, maps_ok = [], True
for k, vs in sorted(maps.items()):
    s, m = fit(t[:len(vs)], vs)
    drift = s * span
    pct = drift / m * 100 if m else 0.0
    ok = abs(pct) < 5 or abs(drift) < 20
    maps_ok &= ok
    map_out.append(f"{k}={m:.0f}({pct:+.1f}%)")
rss_ok = rss_pct_h < 1.0
# A scan holds one /proc file open and a scrape one socket: up to 2 transient FDs; a leak drifts.
fd_slope, _ = fit(t, [float(x) for x in fds])
fds_ok = max(fds) - min(fds) <= 2 and abs(fd_slope * (t[-1] - t[0])) < 1
ok = rss_ok and fds_ok and maps_ok and errors == 0
print(f"RESULT soak minutes={minutes} procs={procs} samples={len(rows)} "
      f"rss_mib={mean / 1024:.1f} rss_slope_pct_per_h={rss_pct_h:+.2f} "
      f"fds={min(fds)}..{max(fds)} scrape_p50_ms={scrape[len(scrape) // 2]} "
      f"scrape_max_ms={scrape[-1]} scrape_errors={errors} maps={' '.join(map_out)} "
      f"verdict={'PASS' if ok else 'FAIL'}")
sys.exit(0 if ok else 1)
PY
