#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (build tree build-fuzz/, LW_FUZZ=ON) and runs each for
# the given time, one process per target (-jobs=1 equivalent: this machine is shared), printing
# per target: executions, coverage (cov: edges, ft: features), corpus size and findings.
# The working corpus grows in build-fuzz/corpus/<target>/ (seeded from tests/fuzz/corpus/);
# a finding (crash, leak, timeout, sanitizer report) lands in build-fuzz/findings/<target>/.
# Fix it on our side, add a unit test, and copy the input to tests/fuzz/corpus/<target>/
# as regress-<what>: the ctest case fuzz-replay:<target> then replays it in every build.
# Each result is also appended to build-fuzz/results.tsv (date, target, seconds, execs, cov, ft,
# corpus, findings) for tests/fuzz/RESULTS.md.
# Usage (repository root): tests/fuzz/run.sh TARGET|all SECONDS [extra libFuzzer flags...]
set -euo pipefail
cd "$(dirname "$0")/../.."
[ $# -ge 2 ] || { echo "usage: $0 TARGET|all SECONDS [libFuzzer flags...]" >&2; exit 2; }
what=$1 seconds=$2
shift 2
build=${LW_FUZZ_BUILD:-build-fuzz}
targets=$(sed -n 's/^ *lw_fuzz_target(\([a-z_0-9]*\) .*/\1/p' tests/fuzz/CMakeLists.txt)
if [ "$what" != all ]; then
  grep -qx "$what" <<<"$targets" || { echo "unknown target $what; known: $targets" >&2; exit 2; }
  targets=$what
fi

if [ ! -f "$build/build.ninja" ]; then
  cmake -S . -B "$build" -G Ninja -DLW_FUZZ=ON -DCMAKE_CXX_COMPILER=clang++ \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBUILD_TESTING=OFF >/dev/null
fi
# shellcheck disable=SC2046
ninja -C "$build" -j2 $(sed 's/^/fuzz_/' <<<"$targets") >/dev/null

status=0
printf '%-14s %7s %12s %7s %7s %7s %9s\n' target seconds execs cov ft corpus findings
for t in $targets; do
  work="$build/corpus/$t" findings="$build/findings/$t" log="$build/logs/$t.log"
  mkdir -p "$work" "$findings" "$(dirname "$log")"
  before=$(find "$findings" -type f | wc -l)
  # -close_fd_mask=1: the targets print nothing useful to stdout; sanitizer reports go to stderr.
  "$build/tests/fuzz/fuzz_$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 -close_fd_mask=1 -artifact_prefix="$findings/" "$@" \
    "$work" "tests/fuzz/corpus/$t" >"$log" 2>&1 || true
  after=$(find "$findings" -type f | wc -l)
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  last=$(grep -E '^#[0-9]+' "$log" | tail -1)
  cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
  ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
  corpus=$(find "$work" -type f | wc -l)
  new=$((after - before))
  printf '%-14s %7s %12s %7s %7s %7s %9s\n' "$t" "$seconds" "${execs:-?}" "${cov:-?}" \
    "${ft:-?}" "$corpus" "$new"
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$(date -u +%F)" "$t" "$seconds" "${execs:-?}" \
    "${cov:-?}" "${ft:-?}" "$corpus" "$new" >>"$build/results.tsv"
  if [ "$new" -gt 0 ]; then
    status=1
    echo "  finding(s) in $findings (log: $log):"
    grep -E 'ERROR: |SUMMARY: |fuzz property violated' "$log" | head -5 | sed 's/^/    /'
  fi
done
exit $status
