#!/usr/bin/env bash
# Runs only the late-onset end-to-end case (tests/integration/late_onset_test.cpp, about 5.5
# minutes each) N times in a row and prints how many passed: the issue's "5 of 5" is recorded
# with this, not run as a CI stage. A skipped run (no root, no memory cgroup) counts as skipped,
# never as a pass, and makes the script fail.
# Usage (repository root, as root, after building integration_tests):
#   tests/integration/repeat_late_onset.sh [N (default 5)] [BUILD_DIR (default build)]
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 2
runs=${1:-5}
build=${2:-build}
binary=$build/tests/integration_tests
if [ ! -x "$binary" ]; then
  echo "no $binary: build it first (cmake --build $build --target integration_tests)" >&2
  exit 2
fi
passed=0 failed=0 skipped=0
for i in $(seq 1 "$runs"); do
  log=$(mktemp)
  LW_SKIP_RETURN_CODE=77 "$binary" '[late_onset]' >"$log" 2>&1
  rc=$?
  case $rc in
    0) passed=$((passed + 1)) result=passed ;;
    77) skipped=$((skipped + 1)) result=skipped ;;
    *) failed=$((failed + 1)) result="FAILED (exit $rc)" ;;
  esac
  echo "run $i/$runs: $result"
  # The figures of each run (flag time, death, mid-life forecast), and the failures in full.
  if [ "$rc" = 0 ] || [ "$rc" = 77 ]; then
    # Catch2 prints each WARN as "file:line: warning:", its text, then a blank line.
    awk '/: warning:$/ { on = 1; next } /^$/ { on = 0 } on' "$log" | sed 's/^ */  /'
  else
    sed 's/^/  /' "$log"
  fi
  rm -f "$log"
done
echo "late onset: $passed of $runs passed ($failed failed, $skipped skipped)"
[ "$passed" = "$runs" ]
