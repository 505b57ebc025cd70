#!/bin/bash
# The last four steps of nspawn_e2e.sh, on the installed and running service: watchdog, stop,
# journal, purge (what each checks: the header of nspawn_e2e.sh). Sourced by it, after
# nspawn_lib.sh; each step is a function that reads and sets the script's globals (WORK, LEADER,
# MAINPID, T_ACTIVE) and reports through ok/bad/note.

step_watchdog() {
  step watchdog
  wd=$(prop WatchdogUSec)
  wd_us=$(cexec systemd-analyze timespan "$wd" 2>/dev/null | awk '$1=="μs:" || $1=="us:" {print $2}')
  if [ -n "$wd_us" ] && [ "$wd_us" -gt 0 ]; then
    ok "WatchdogUSec=$wd ($wd_us us)"
  else
    bad "WatchdogUSec is '$wd': no watchdog"; wd_us=0
  fi
  wd_s=$(( wd_us / 1000000 ))
  ping1=$(prop WatchdogTimestampMonotonic)
  [ -n "$ping1" ] && [ "$ping1" != 0 ] && ok "a WATCHDOG=1 ping arrived (WatchdogTimestampMonotonic $ping1)" ||
    bad "no WATCHDOG=1 received yet (WatchdogTimestampMonotonic '$ping1')"
  # Wait until more than WatchdogSec has passed since it became active (the steps above count).
  wait_s=$(( T_ACTIVE + wd_s + 5 - $(date +%s) ))
  if [ $wait_s -gt 0 ]; then echo "waiting ${wait_s}s (WatchdogSec ${wd_s}s + 5s since it became active)"; pause $wait_s; fi
  st=$(cexec systemctl is-active leakwatch.service)
  pid=$(prop MainPID); nr=$(prop NRestarts); ping2=$(prop WatchdogTimestampMonotonic)
  [ "$st" = active ] && [ "$pid" = "$MAINPID" ] && [ "$nr" = 0 ] &&
    ok "after $(( $(date +%s) - T_ACTIVE ))s (> WatchdogSec): active, same MainPID $pid, NRestarts=0" ||
    bad "after WatchdogSec: is-active $st, MainPID $pid (was $MAINPID), NRestarts $nr"
  [ -n "$ping2" ] && [ -n "$ping1" ] && [ "$ping2" -gt "$ping1" ] 2>/dev/null &&
    ok "pings keep arriving (last ping $(( (ping2 - ping1) / 1000000 ))s after the first check)" ||
    bad "WatchdogTimestampMonotonic did not advance ($ping1 -> $ping2)"
  CURSOR=$(cexec journalctl -n 0 --show-cursor --no-pager | sed -n 's/^-- cursor: //p')

  # Negative control: the watchdog is really enforced here. A drop-in with a 3 s watchdog, a
  # restart (the daemon pings every WATCHDOG_USEC/2), SIGSTOP: systemd must restart it.
  DROPIN=$WORK/root/etc/systemd/system/leakwatch.service.d
  mkdir -p "$DROPIN"
  printf '[Service]\nWatchdogSec=3s\nTimeoutAbortSec=2s\nRestartSec=1s\n' >"$DROPIN/e2e-watchdog.conf"
  cexec systemctl daemon-reload
  cexec systemctl restart leakwatch.service || bad "restart with WatchdogSec=3s failed"
  pid_a=$(prop MainPID); pause 7
  [ "$(cexec systemctl is-active leakwatch.service)" = active ] && [ "$(prop MainPID)" = "$pid_a" ] &&
    ok "with WatchdogSec=3s it stays up for 7s (same MainPID)" || bad "with WatchdogSec=3s it did not stay up (MainPID $pid_a -> $(prop MainPID))"
  nr0=$(prop NRestarts)
  cexec kill -STOP "$pid_a"
  restarted=0
  for _ in $(seq 1 100); do   # 3 s watchdog + 2 s abort timeout + 1 s RestartSec + start
    pid_b=$(prop MainPID)
    if [ "$(prop NRestarts)" -gt "$nr0" ] 2>/dev/null && [ -n "$pid_b" ] && [ "$pid_b" != 0 ] && [ "$pid_b" != "$pid_a" ] &&
       [ "$(cexec systemctl is-active leakwatch.service)" = active ]; then restarted=1; break; fi
    sleep 0.2
  done
  [ $restarted -eq 1 ] && ok "negative control: SIGSTOPped daemon restarted by the watchdog (MainPID $pid_a -> $pid_b)" ||
    bad "negative control: the watchdog did not restart a stopped daemon (NRestarts $(prop NRestarts), MainPID $(prop MainPID))"
  cexec journalctl -u leakwatch.service -o cat --no-pager --after-cursor="$CURSOR" | grep -q 'Watchdog timeout' &&
    ok "journal: Watchdog timeout" || bad "no 'Watchdog timeout' line in the journal"
  rm -rf "$DROPIN"
  cexec systemctl daemon-reload
  cexec systemctl restart leakwatch.service || bad "restart without the drop-in failed"
  [ "$(cexec systemctl is-active leakwatch.service)" = active ] && [ "$(prop WatchdogUSec)" = "$wd" ] &&
    ok "drop-in removed: active again, WatchdogUSec=$wd" || bad "after removing the drop-in: $(cexec systemctl is-active leakwatch.service), WatchdogUSec=$(prop WatchdogUSec)"
}

step_stop() {
  step stop
  t=$(now)
  cexec systemctl stop leakwatch.service || bad "systemctl stop failed"
  st=$(cexec systemctl is-active leakwatch.service)
  [ "$st" = inactive ] && ok "stop: inactive in $(elapsed "$t")s" || bad "after stop: '$st', not inactive"
  code=$(prop ExecMainCode); status=$(prop ExecMainStatus); result=$(prop Result)
  [ "$code" = 1 ] && [ "$status" = 0 ] && [ "$result" = success ] && ok "exited 0 on SIGTERM (Result=success)" ||
    bad "stop: ExecMainCode=$code (1 = exited) ExecMainStatus=$status Result=$result"
  cexec journalctl -u leakwatch.service -o cat --no-pager | grep -q 'received SIGTERM, stopping' &&
    ok "journal: received SIGTERM, stopping" || bad "no 'received SIGTERM, stopping' in the journal"
  state_files=$(cexec sh -c 'ls -A /var/lib/private/leakwatch 2>/dev/null' | tr '\n' ' ')
  [ -L "$WORK/root/var/lib/leakwatch" ] && [ -d "$WORK/root/var/lib/private/leakwatch" ] &&
    ok "StateDirectory: /var/lib/leakwatch -> private/leakwatch (contents: ${state_files:-empty})" ||
    bad "StateDirectory /var/lib/private/leakwatch with /var/lib/leakwatch symlink missing"
  echo "$state_files" | grep -qw history.snap && ok "SIGTERM left the history snapshot history.snap" ||
    bad "no history.snap in /var/lib/private/leakwatch after SIGTERM"
}

step_journal() {
  step journal
  # Error level: journald's PRIORITY <= 3 (systemd's own lines about the unit, and the daemon's
  # when it prefixes syslog "<3>"), and spdlog's textual "<error>"/"<critical>" prefix (see
  # daemon/main.cpp), which journald stores at priority 6. Expected: the invalid-config reload,
  # and systemd's watchdog line during the 3 s negative control.
  cexec journalctl -u leakwatch.service -o cat --no-pager >"$WORK/journal.txt"
  cexec journalctl -u leakwatch.service -p err -o cat --no-pager >"$WORK/journal-err.txt"
  expected='reload failed, keeping the running configuration|leakwatch\.service: Watchdog timeout \(limit 3s\)!'
  errs=$( { grep -E '^<(error|critical|err|crit)>' "$WORK/journal.txt"; cat "$WORK/journal-err.txt"; } |
          grep -vE -- "$expected" | sort -u)
  if [ -z "$errs" ]; then
    ok "journal: no unexpected error-level lines ($(wc -l <"$WORK/journal.txt") lines, $(wc -l <"$WORK/journal-err.txt") at priority <= err)"
  else
    bad "journal has error-level lines:"; echo "$errs" | sed 's/^/      /'
  fi
  grep -E '^<warning>' "$WORK/journal.txt" | sort | uniq -c | sed 's/^/      warning: /'
  grep -q 'reload failed, keeping the running configuration' "$WORK/journal.txt" ||
    bad "the invalid-config reload logged no error"
  # The daemon's error lines should carry syslog priority 3 so that journalctl -p err and
  # systemctl status show them as errors; journald only parses a numeric "<3>" prefix.
  if grep -q 'reload failed' "$WORK/journal-err.txt"; then
    ok "daemon error lines are stored at journal priority err"
  else
    note "the daemon's 'reload failed' error is stored at journal PRIORITY=$(cexec journalctl -u leakwatch.service -o export --no-pager |
      awk '/^PRIORITY=/{p=substr($0,10)} /^MESSAGE=.*reload failed/{print p; exit}') (not 3): spdlog's '<error>' prefix is not a syslog '<N>' prefix, so journalctl -p err misses the daemon's errors"
  fi
}

step_purge() {
  step purge
  t=$(now)
  timeout 300 nsenter -t "$LEADER" -a -r -w -- /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
    DEBIAN_FRONTEND=noninteractive apt-get purge -y -q leakwatch >"$WORK/apt-purge.log" 2>&1 ||
    { cat "$WORK/apt-purge.log"; bad "apt-get purge -y leakwatch failed"; }
  ok "apt-get purge -y leakwatch ($(elapsed "$t")s)"
  if cexec dpkg -l leakwatch >"$WORK/dpkg-l.txt" 2>&1 && grep -qE '^[a-z][a-zA-Z] +leakwatch ' "$WORK/dpkg-l.txt" &&
     ! grep -qE '^(un|pn) +leakwatch ' "$WORK/dpkg-l.txt"; then
    bad "dpkg -l still lists leakwatch: $(grep leakwatch "$WORK/dpkg-l.txt")"
  else
    ok "dpkg -l lists no leakwatch"
  fi
  for p in /etc/leakwatch /var/lib/leakwatch /var/lib/private/leakwatch /lib/systemd/system/leakwatch.service \
           /usr/sbin/leakwatchd /etc/systemd/system/leakwatch.service /etc/systemd/system/multi-user.target.wants/leakwatch.service \
           /var/lib/systemd/deb-systemd-helper-enabled/leakwatch.service.dsh-also \
           /var/lib/systemd/deb-systemd-helper-enabled/multi-user.target.wants/leakwatch.service \
           /var/lib/systemd/deb-systemd-helper-masked/leakwatch.service; do
    if [ -e "$WORK/root$p" ] || [ -L "$WORK/root$p" ]; then bad "left after purge: $p"; else ok "gone: $p"; fi
  done
  lf=$(cexec systemctl list-unit-files --no-legend leakwatch.service 2>/dev/null)
  [ -z "$lf" ] && ok "systemctl list-unit-files: no leakwatch.service" || bad "unit file still known: $lf"
}
