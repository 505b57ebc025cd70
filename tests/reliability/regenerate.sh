#!/usr/bin/env bash
# tests/reliability/regenerate.sh - reruns the reliability probes and rewrites their figures in
# RELIABILITY.md (every figure sits between <!--f:KEY--> and <!--/f-->, with its date), so the
# document says what the code does today.
#
#   tests/reliability/regenerate.sh [--only faults,soak,many] [--smoke] [--build DIR]
#
#   faults  the fault matrix (ctest: integration "fault:" cases and the machine-id unit case);
#           the host-mutating rows (tmpfs mounts) run only with LW_TEST_HOST_MUTATING=1 as root,
#           else their figure says "skipped"
#   soak    soak.sh: 60 min at 2,000 busy processes (--smoke: 3 min at 200, marked as a smoke)
#   many    many_processes.sh at 10,000 (--smoke: 2,000, marked as such); needs pid room
# Each probe that fails is written as FAILED with its figure; the exit code is 1 then.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
DOC="$ROOT/RELIABILITY.md"
BUILD="$ROOT/build"
ONLY=faults,soak,many
SMOKE=0
while (($#)); do
  case $1 in
    --only) ONLY=$2; shift 2 ;;
    --smoke) SMOKE=1; shift ;;
    --build) BUILD=$2; shift 2 ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
has() { [[ ,$ONLY, == *,$1,* ]]; }
TODAY=$(date -u +%Y-%m-%d)
FIGS=$(mktemp)
trap 'rm -f "$FIGS"' EXIT
status=0
fig() { printf '%s\t%s (%s)\n' "$1" "$2" "$TODAY" >>"$FIGS"; }

if has faults; then
  log=$(mktemp)
  (cd "$BUILD" && ctest -V -R '^integration:fault: |another machine' >"$log" 2>&1) || status=1
  # key <TAB> the case name's distinctive part
  while IFS=$'\t' read -r key name; do
    line=$(grep -E "Test +#[0-9]+: .*${name}" "$log" | grep -E 'Passed|Failed|Skipped|Not Run' | tail -n1 || true)
    if [[ -z $line ]]; then
      fig "$key" "not run"
    elif [[ $line == *Passed* ]]; then
      fig "$key" "passed in $(sed -E 's/.*Passed +([0-9.]+) sec.*/\1/' <<<"$line") s"
    elif [[ $line == *Skipped* ]]; then
      fig "$key" "skipped (needs root and LW_TEST_HOST_MUTATING=1)"
    else
      fig "$key" "FAILED"; status=1
    fi
  done <<'MAP'
ro	a read-only state directory
full	a full state directory
missing	a missing state directory
damaged	a damaged or foreign snapshot
machine	another machine's snapshot is discarded
sigkill	SIGKILL in the middle of snapshot writes
vanish	processes vanish mid-read
kmsg	the kernel log is unreadable
epipe	the kernel log returns EPIPE
clock	the wall clock stepped
sighup	200 SIGHUPs in a second
config	the configuration file is gone at reload
MAP
  kills=$(sed -n 's/.*SIGKILL rounds: \([0-9]*\), caught mid-write: \([0-9]*\).*/\1 kills, \2 caught mid-write/p' "$log" | tail -n1)
  [[ -n $kills ]] && fig sigkill_n "$kills, every restart restored the last good snapshot"
  reloads=$(sed -n 's/.*200 SIGHUPs: \([0-9]*\) reloads logged.*/\1/p' "$log" | tail -n1)
  [[ -n $reloads ]] && fig sighup_n "$reloads reloads logged for 200 signals, reload gauge 1"
  rm -f "$log"
fi

run_probe() { # KEY LABEL CMD... : the RESULT line of the script, as the figure
  local key=$1 label=$2 out rc=0; shift 2
  out=$("$@" 2>&1) || rc=$?
  local result; result=$(grep '^RESULT' <<<"$out" | tail -n1 | sed 's/^RESULT [a-z_]* //')
  [[ -n $result ]] || result="no result: $(tail -n 3 <<<"$out" | tr '\n' ' ')"
  ((rc == 0)) || status=1
  fig "$key" "$label$result"
}
if has soak; then
  if ((SMOKE)); then
    run_probe soak "SMOKE (3 min, 200 processes, not the hour): " "$HERE/soak.sh" --minutes 3 --procs 200
  else
    run_probe soak "" "$HERE/soak.sh"
  fi
fi
if has many; then
  if ((SMOKE)); then
    run_probe many "SMALLER RUN (2,000, shared machine): " "$HERE/many_processes.sh" --procs 2000
  else
    run_probe many "" "$HERE/many_processes.sh"
  fi
fi

python3 - "$DOC" "$FIGS" <<'PY'
import re, sys
doc, figs = sys.argv[1], sys.argv[2]
text = open(doc).read()
for line in open(figs):
    key, value = line.rstrip("\n").split("\t", 1)
    value = value.replace("|", "/")
    text, n = re.subn(r"(<!--f:%s-->).*?(<!--/f-->)" % re.escape(key),
                      lambda m: m.group(1) + value + m.group(2), text, flags=re.S)
    if n == 0:
        print(f"regenerate: no <!--f:{key}--> in {doc}", file=sys.stderr)
open(doc, "w").write(text)
PY
echo "regenerate: figures written to $DOC (exit $status)"
exit "$status"
