#!/usr/bin/env bash
# Runs the end-to-end cases of one Catch2 tag N times in a row and prints each run's figures (its
# WARN lines) and how many runs passed: an issue's "5 of 5" is recorded with this, not run as a CI
# stage. Tags: late_onset (about 5.5 minutes a run), headroom (the leaker beside a page-cache-heavy
# neighbour and the tmpfs writer, about 3.5 minutes), crash_loop, oom, ... A skipped run (no root, no memory cgroup) counts as skipped,
# never as a pass, and makes the script fail.
# Usage (repository root, as root, after building integration_tests):
#   tests/integration/repeat_e2e.sh TAG [N (default 5)] [BUILD_DIR (default build)]
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 2
tag=${1:?usage: repeat_e2e.sh TAG [N] [BUILD_DIR]}
runs=${2:-5}
build=${3:-build}
binary=$build/tests/integration_tests
if [ ! -x "$binary" ]; then
  echo "no $binary: build it first (cmake --build $build --target integration_tests)" >&2
  exit 2
fi
passed=0 failed=0 skipped=0
for i in $(seq 1 "$runs"); do
  log=$(mktemp)
  LW_SKIP_RETURN_CODE=77 "$binary" "[$tag]" >"$log" 2>&1
  rc=$?
  case $rc in
    0) passed=$((passed + 1)) result=passed ;;
    77) skipped=$((skipped + 1)) result=skipped ;;
    *) failed=$((failed + 1)) result="FAILED (exit $rc)" ;;
  esac
  echo "run $i/$runs: $result"
  # The figures of each run, and the failures in full.
  if [ "$rc" = 0 ] || [ "$rc" = 77 ]; then
    # Catch2 prints each WARN as "file:line: warning:", its text, then a blank line.
    awk '/: warning:$/ { on = 1; next } /^$/ { on = 0 } on' "$log" | sed 's/^ */  /'
  else
    sed 's/^/  /' "$log"
  fi
  rm -f "$log"
done
echo "$tag: $passed of $runs passed ($failed failed, $skipped skipped)"
[ "$passed" = "$runs" ]
