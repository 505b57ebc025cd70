# tests/reliability/common.sh - shared by soak.sh and many_processes.sh (source it, do not run it).
# shellcheck shell=bash
# The shared bench harness (../shared/bench: the fleet, the pid+starttime registry of background
# processes) with our own run directory, so our fleet never collides with another user's.
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
SHARED="${SHARED_BENCH:-$(cd "$ROOT/../shared/bench" 2>/dev/null && pwd || echo /work/shared/bench)}"
export BENCH_RUN_DIR="${BENCH_RUN_DIR:-$HERE/.run}"
# shellcheck source=/dev/null
. "$SHARED/lib.sh" # die, alive, bg_start/bg_stop_all/bg_reap_stale, wait_http, stat_field
DAEMON="${LEAKWATCHD:-$ROOT/build/daemon/leakwatchd}"
FLEET="$SHARED/spawn_fleet.sh"
[[ -x $DAEMON ]] || die "$DAEMON missing: build it first (README Quick start)"
command -v curl >/dev/null || die "curl missing"
command -v python3 >/dev/null || die "python3 missing"

# start_daemon NAME CONFIG_YAML -> sets DAEMON_PID and PORT (bound on 127.0.0.1:0, read from the
# "listening on ... (port N)" log line within 60 s).
start_daemon() {
  local name=$1 config=$2 log="$RUN_DIR/$1.log" i
  bg_start "$name" "$log" "$DAEMON" --config "$config"
  DAEMON_PID=$BG_LAST_PID
  PORT=""
  for ((i = 0; i < 600; i++)); do
    PORT=$(sed -n 's/.*(port \([0-9]*\)).*/\1/p' "$log" | head -n1)
    [[ -n $PORT ]] && break
    alive "$DAEMON_PID" || die "$name exited at start: $(tail -n 5 "$log")"
    sleep 0.1
  done
  [[ -n $PORT ]] || die "$name did not listen within 60 s"
  wait_http "http://127.0.0.1:$PORT/healthz" "$DAEMON_PID" 60 || die "$name never became healthy"
}

# metric_value TEXT NAME [LABEL_SUBSTRING]: the first sample's value, or empty.
metric_value() {
  awk -v n="$2" -v l="${3:-}" '$1 == n || index($1, n "{") == 1 { if (l == "" || index($1, l)) { print $2; exit } }' <<<"$1"
}

rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status" 2>/dev/null; }
fd_count() { find "/proc/$1/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l; }

# write_config FILE STATE_DIR INTERVAL [RETENTION_S]: the defaults, a loopback port, our own state
# directory. With RETENTION_S the history keeps that many seconds, dead processes RETENTION_S/5,
# and the analysis windows fit in it (the soak: the store reaches its steady size early).
write_config() {
  local history=""
  if [[ -n ${4:-} ]]; then
    local r=$4
    history="  retention: ${r}s
  dead_grace: $((r / 5))s
analysis:
  windows: [$((r / 3))s, $((r * 2 / 3))s, ${r}s]
  min_observed: $((r / 3))s"
  fi
  cat >"$1" <<YAML
scan:
  interval: $3
store:
  snapshot_interval: 1m
$history
web:
  listen: "127.0.0.1:0"
paths:
  state_dir: $2
YAML
}
