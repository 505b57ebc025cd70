#!/bin/bash
# check_rules.sh: config/prometheus/leakwatch-rules.yml passes `promtool check rules`, its unit
# tests (tests/ops/rules_test.yml) pass, every `for:` is a literal duration on its own line
# (the e2e test scales them with sed), and the tests fail when a rule is broken.
# Needs promtool (package prometheus); installs nothing.
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
RULES=$ROOT/config/prometheus/leakwatch-rules.yml
TESTS=$HERE/rules_test.yml
fail=0
ok() { echo "ok:   $*"; }
bad() { echo "FAIL: $*"; fail=1; }

command -v promtool >/dev/null || { echo "FAIL: promtool not found (package prometheus)"; exit 1; }

if out=$(promtool check rules "$RULES" 2>&1); then
  ok "promtool check rules: $(echo "$out" | grep -o '[0-9]* rules found')"
else
  bad "promtool check rules:"; echo "$out" | sed 's/^/      /'
fi
if out=$(promtool test rules "$TESTS" 2>&1); then
  ok "promtool test rules $(basename "$TESTS"): SUCCESS"
else
  bad "promtool test rules:"; echo "$out" | sed 's/^/      /'
fi

n_for=$(grep -cE '^ +for: ' "$RULES")
n_lit=$(grep -cE '^ +for: [0-9]+[smhd]$' "$RULES")
if [ "$n_for" -gt 0 ] && [ "$n_for" -eq "$n_lit" ]; then
  ok "$n_for 'for:' durations, all literal"
else
  bad "'for:' lines not all literal durations: $n_for lines, $n_lit literal"
fi

alerts=$(grep -oE '^ +- alert: [A-Za-z]+' "$RULES" | awk '{print $3}' | sort -u)
for a in $alerts; do
  if grep -qE "alertname: $a\$" "$TESTS"; then ok "tested: $a"; else bad "no test for alert $a"; fi
done
for a in LeakwatchProcessMemoryLeak LeakwatchProcessMemoryLimitSoon LeakwatchCgroupMemoryLimitSoon \
         LeakwatchFdLeak LeakwatchHostMemoryExhaustion LeakwatchOOMKill LeakwatchDown \
         LeakwatchScansFailing LeakwatchScanSlow LeakwatchCrashLoop; do
  echo "$alerts" | grep -qx "$a" || bad "alert $a is missing"
done

# Mutations: each must make the unit tests fail, or the tests do not test that rule.
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
mkdir -p "$T/config/prometheus" "$T/tests/ops"
cp "$TESTS" "$T/tests/ops/rules_test.yml"
mutate() {  # $1 = description, $2 = sed expression
  sed "$2" "$RULES" > "$T/config/prometheus/leakwatch-rules.yml"
  if cmp -s "$RULES" "$T/config/prometheus/leakwatch-rules.yml"; then
    bad "mutation '$1' did not apply"; return
  fi
  if promtool test rules "$T/tests/ops/rules_test.yml" >/dev/null 2>&1; then
    bad "mutation '$1' survived the unit tests"
  else
    ok "mutation '$1' caught"
  fi
}
mutate "leak for: 30m -> 5m" 's/for: 30m/for: 5m/'
mutate "critical threshold 1h -> 2h" 's/< 3600$/< 7200/'
mutate "4h threshold -> 1h" 's/< 4 \* 3600/< 3600/'
mutate "suspect == 1 -> >= 0" 's/== 1$/>= 0/'
mutate "OOM: no first-kill branch" 's/ offset 10m)/)/'
mutate "scan errors: any reason" 's/reason=~"io|parse"/reason=~".+"/'
mutate "scan slow: p90 > 5" 's/) > 2$/) > 5/'

[ $fail -eq 0 ] && echo "check_rules: OK" || echo "check_rules: FAILED"
exit $fail
