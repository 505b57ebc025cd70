#!/bin/bash
# check_unit.sh [UNIT]: systemd/leakwatch.service passes `systemd-analyze verify` with no output
# at all (unknown keys and bad values only print warnings with rc 0, so any output is a
# failure), its offline security exposure is <= 2.0, and it keeps the directives the product
# relies on. Needs systemd-analyze (package systemd); installs nothing.
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
UNIT=${1:-$ROOT/systemd/leakwatch.service}
MAX_EXPOSURE=2.0
fail=0
ok() { echo "ok:   $*"; }
bad() { echo "FAIL: $*"; fail=1; }

command -v systemd-analyze >/dev/null || { echo "FAIL: systemd-analyze not found (package systemd)"; exit 1; }
[ -f "$UNIT" ] || { echo "FAIL: no unit file $UNIT"; exit 1; }
[ -d /lib/systemd/system ] || { echo "FAIL: /lib/systemd/system missing (package systemd)"; exit 1; }

# verify needs ExecStart=/ExecReload= binaries and the standard targets: a scratch root with
# the host's unit directory and stub executables at the unit's paths.
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
make_root() {  # $1 = unit file to put into the root
  rm -rf "$T/root"
  mkdir -p "$T/root/lib/systemd" "$T/root/etc/systemd/system" "$T/root/usr/sbin" "$T/root/bin"
  cp -a /lib/systemd/system "$T/root/lib/systemd/"
  printf '#!/bin/sh\nexit 0\n' > "$T/root/usr/sbin/leakwatchd"
  printf '#!/bin/sh\nexit 0\n' > "$T/root/bin/kill"
  chmod 755 "$T/root/usr/sbin/leakwatchd" "$T/root/bin/kill"
  cp "$1" "$T/root/etc/systemd/system/leakwatch.service"
}
verify() {  # prints verify's output; rc 0 only when it printed nothing and succeeded
  local out rc
  make_root "$1"
  out=$(systemd-analyze verify --man=no --root="$T/root" leakwatch.service 2>&1); rc=$?
  [ -n "$out" ] && echo "$out"
  [ $rc -eq 0 ] && [ -z "$out" ]
}

if out=$(verify "$UNIT"); then
  ok "systemd-analyze verify: no output, rc 0"
else
  bad "systemd-analyze verify reported:"; echo "$out" | sed 's/^/      /'
fi

# The check itself must be able to fail: an unknown key and a bad Type= only warn (rc 0).
sed 's/^Type=notify$/Type=notify\nNoSuchKey=1/' "$UNIT" > "$T/bad.service"
if verify "$T/bad.service" >/dev/null; then
  bad "verify self-test: an unknown key went unnoticed"
else
  ok "verify self-test: an unknown key is reported"
fi

sec=$(systemd-analyze security --offline=true --no-pager "$UNIT" 2>&1)
score=$(echo "$sec" | sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p' | tail -1)
if [ -z "$score" ]; then
  bad "no exposure score from systemd-analyze security:"; echo "$sec" | tail -5 | sed 's/^/      /'
elif awk -v s="$score" -v m="$MAX_EXPOSURE" 'BEGIN{exit !(s <= m)}'; then
  ok "security exposure $score <= $MAX_EXPOSURE"
else
  bad "security exposure $score > $MAX_EXPOSURE; the findings:"
  echo "$sec" | grep '✗' | sed 's/^/      /'
fi
# The same through systemd-analyze's own threshold (tenths: 20 = 2.0), which sets rc.
if systemd-analyze security --offline=true --threshold=20 --no-pager "$UNIT" >/dev/null 2>&1; then
  ok "systemd-analyze security --threshold=20 (2.0): rc 0"
else
  bad "systemd-analyze security --threshold=20 (2.0): rc != 0"
fi

# Directives the product and the other shipped files depend on.
need() { grep -qxE "$1" "$UNIT" && ok "has $1" || bad "missing $1"; }
need 'Type=notify'
need 'NotifyAccess=main'
need 'ExecStart=/usr/sbin/leakwatchd --config /etc/leakwatch/leakwatch\.yaml'
need 'ExecReload=/bin/kill -HUP \$MAINPID'
need 'WatchdogSec=[0-9]+s'
need 'Restart=on-failure'
need 'StateDirectory=leakwatch'
need 'ConfigurationDirectory=leakwatch'
need 'MemoryMax=[0-9]+[KMG]'
need 'OOMScoreAdjust=-[0-9]+'
need 'ProtectSystem=strict'
need 'CapabilityBoundingSet=.*CAP_SYS_PTRACE.*'
need 'AmbientCapabilities=.*CAP_SYS_PTRACE.*'
need 'NoNewPrivileges=yes'
need 'RestrictAddressFamilies=AF_INET AF_UNIX'
need 'SystemCallFilter=@system-service'
need 'SystemCallArchitectures=native'
need 'ProcSubset=all'
need 'ReadOnlyPaths=/proc'
need 'DeviceAllow=/dev/kmsg r'
need 'WantedBy=multi-user.target'
# ProtectKernelLogs= would hide /dev/kmsg (OOM victims); ProcSubset=pid hides /proc/meminfo.
if grep -qE '^ProtectKernelLogs=(yes|true|1|on)' "$UNIT"; then bad "ProtectKernelLogs= is set"; else ok "ProtectKernelLogs= not set"; fi
if grep -qE '^PrivateUsers=(yes|true|1|on)' "$UNIT"; then bad "PrivateUsers= would void the capabilities"; else ok "PrivateUsers= not set"; fi

[ $fail -eq 0 ] && echo "check_unit: OK ($UNIT, exposure $score)" || echo "check_unit: FAILED"
exit $fail
