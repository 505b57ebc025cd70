#!/bin/bash
# check_dashboard.sh: config/grafana/leakwatch-dashboard.json is importable and every query uses
# only metric names from SPEC.md and filters on $instance (dashboard_queries.py --check); every
# query parses as PromQL (promtool, via a scratch recording-rules file); and the checker itself
# rejects an unknown metric and a missing $instance filter.
# Needs python3 and promtool (package prometheus); installs nothing.
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
DASH=$ROOT/config/grafana/leakwatch-dashboard.json
SPEC=${LW_SPEC:-$ROOT/../shared/SPEC.md}
PY="python3 $HERE/dashboard_queries.py"
fail=0
ok() { echo "ok:   $*"; }
bad() { echo "FAIL: $*"; fail=1; }

command -v python3 >/dev/null || { echo "FAIL: python3 not found"; exit 1; }
command -v promtool >/dev/null || { echo "FAIL: promtool not found (package prometheus)"; exit 1; }
[ -f "$SPEC" ] || { echo "FAIL: $SPEC not found (set LW_SPEC)"; exit 1; }

if $PY --check --dashboard "$DASH" --spec "$SPEC"; then
  ok "dashboard_queries.py --check"
else
  bad "dashboard_queries.py --check"
fi

T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
# Every query, with variables substituted, must parse: promtool checks recording rules' PromQL.
if ! $PY --dashboard "$DASH" > "$T/queries.txt"; then
  bad "dashboard_queries.py could not list the queries"
fi
n=$(wc -l < "$T/queries.txt")
python3 - "$T/queries.txt" > "$T/queries.rules.yml" <<'PY'
import json, sys
print("groups:\n  - name: dashboard\n    rules:")
for i, q in enumerate(open(sys.argv[1]).read().splitlines(), 1):
    print(f"      - record: dashboard:q{i}\n        expr: {json.dumps(q)}")
PY
if [ "$n" -gt 0 ] && out=$(promtool check rules "$T/queries.rules.yml" 2>&1); then
  ok "$n queries parse as PromQL"
else
  bad "queries do not parse ($n queries):"; echo "$out" | sed 's/^/      /'
fi

# The checker must reject what it claims to reject.
sed 's/leakwatch_store_series{/leakwatch_store_serieses{/' "$DASH" > "$T/unknown.json"
if $PY --check --dashboard "$T/unknown.json" --spec "$SPEC" >/dev/null; then
  bad "self-test: an unknown metric name was accepted"
else
  ok "self-test: an unknown metric name is rejected"
fi
sed 's/leakwatch_store_bytes{instance=~\\"$instance\\"}/leakwatch_store_bytes/' "$DASH" > "$T/noinst.json"
if cmp -s "$DASH" "$T/noinst.json"; then
  bad "self-test: could not remove an instance filter"
elif $PY --check --dashboard "$T/noinst.json" --spec "$SPEC" >/dev/null; then
  bad "self-test: a query without the \$instance filter was accepted"
else
  ok "self-test: a query without the \$instance filter is rejected"
fi
printf '{"uid": "leakwatch", "panels": [' > "$T/broken.json"
if $PY --check --dashboard "$T/broken.json" --spec "$SPEC" >/dev/null; then
  bad "self-test: broken JSON was accepted"
else
  ok "self-test: broken JSON is rejected"
fi

[ $fail -eq 0 ] && echo "check_dashboard: OK" || echo "check_dashboard: FAILED"
exit $fail
