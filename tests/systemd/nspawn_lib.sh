# shellcheck shell=bash
# The functions of nspawn_e2e.sh (sourced by it; not run on its own): result lines, step timings,
# the apt mirror, the rootfs build and cache, cgroup and mount cleanup, entering the container,
# diagnostics, and the teardown that runs on exit. They read the script's globals (CACHE,
# TARBALL, WORK, NSPAWN_PID, LEADER, CG, CG_ROOTS, fail, ...) when called, not when sourced.

ok() { echo "ok:   $*"; }
bad() { echo "FAIL: $*"; fail=1; }
die() { echo "FAIL: $*"; fail=1; exit 1; }
note() { echo "note: $*"; }
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN{printf "%.1f", b-a}'; }
step() {
  step_end
  STEP=$1 STEP_T=$(now)
  echo "=== $STEP"
}
step_end() {
  [ -n "$STEP" ] || return 0
  local d; d=$(elapsed "$STEP_T")
  TIMINGS+=("$(printf '%-10s %6ss' "$STEP" "$d")")
  echo "--- $STEP: ${d}s"
  STEP=""
}
print_timings() {
  echo "=== timings (wall)"
  local t; for t in "${TIMINGS[@]}"; do echo "  $t"; done
  printf '  %-10s %6ss\n' total "$(elapsed "$T0")"
}
# --- the Debian mirror: the one this machine's apt already uses, as apt's sources name it
# (deb822 *.sources first, then one-line *.list). No mirror host is written in this file.
apt_source_uri() {  # $1 = main|security: the first "deb" URI serving such a suite
  local f
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    awk -v want="$1" 'BEGIN{RS=""}
      { types=uris=suites=""; enabled="yes"; n=split($0, line, "\n")
        for (i=1; i<=n; i++) {
          if (line[i] ~ /^#/) continue
          k=line[i]; sub(/:.*/, "", k); v=line[i]; sub(/^[^:]*:[ \t]*/, "", v)
          if (k=="Types") types=v; else if (k=="URIs") uris=v
          else if (k=="Suites") suites=v; else if (k=="Enabled") enabled=v }
        if (enabled=="no" || (" " types " ") !~ / deb /) next
        ns=split(suites, s, /[ \t]+/)
        for (i=1; i<=ns; i++) if ((s[i] ~ /-security$/) == (want=="security")) {
          split(uris, u, /[ \t]+/); print u[1]; exit }
      }' "$f" | head -1
  done
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -f "$f" ] || continue
    awk -v want="$1" '$1=="deb" { i=2; if ($2 ~ /^\[/) while (i<=NF && $(i-1) !~ /\]$/) i++
        if (($(i+1) ~ /-security$/) == (want=="security")) { print $i; exit } }' "$f"
  done
}
rm_cgroups() {  # $1 = cgroup dir name; nspawn leaves payload/ and supervisor/ in it
  local r
  for r in "${CG_ROOTS[@]}"; do
    [ -d "$r/$1" ] || continue
    for _ in 1 2 3 4 5 6 7 8 9 10; do
      find "$r/$1" -depth -type d -exec rmdir {} \; 2>/dev/null
      [ -d "$r/$1" ] || break
      sleep 0.2
    done
    [ -d "$r/$1" ] && echo "warn: could not remove cgroup $r/$1"
  done
  return 0
}
# --- leftovers of runs that were killed (ctest timeout: no trap): their nspawn is gone or
# still running from a dead script. Only our own work dirs are considered.
reap_stale() {
  local d spid npid
  for d in /var/tmp/leakwatch-nspawn-e2e.*; do
    [ -d "$d" ] || continue
    spid=$(cat "$d/script.pid" 2>/dev/null || echo 0)
    grep -qa nspawn_e2e "/proc/$spid/cmdline" 2>/dev/null && continue   # that run is alive
    npid=$(cat "$d/nspawn.pid" 2>/dev/null || true)
    if [ -n "$npid" ] && grep -qa -- "$d/root" "/proc/$npid/cmdline" 2>/dev/null; then
      echo "reaping stale container of a dead run: nspawn pid $npid ($d)"
      kill -TERM "$npid"; for _ in $(seq 1 50); do kill -0 "$npid" 2>/dev/null || break; sleep 0.1; done
      kill -0 "$npid" 2>/dev/null && kill -KILL "$npid"
    fi
    rm_cgroups "$(cat "$d/cgroup" 2>/dev/null || echo none)"
    umount_root "$d/root"
    rm -rf "$d"
  done
}
umount_root() {  # $1 = a rootfs dir that may be a tmpfs mount point
  mountpoint -q "$1" 2>/dev/null || return 0
  umount "$1" 2>/dev/null || { sleep 0.5; umount "$1" 2>/dev/null; } || umount -l "$1"
}
pause() {  # an interruptible sleep: a signal's trap runs at once, not after a foreground sleep
  sleep "$1" >/dev/null 2>&1 &
  SLEEP_PID=$!
  wait "$SLEEP_PID"
  SLEEP_PID=""
}
build_rootfs() {  # holds the cache lock; a concurrent run waits and then finds the tarball
  local d t R
  exec 9>"$CACHE/.lock"
  flock -w 900 9 || { echo "timed out waiting for the lock $CACHE/.lock"; return 1; }
  [ -s "$TARBALL" ] && return 0
  t=$(now)
  for d in "$CACHE"/build.*; do   # left by a killed build (we hold the lock)
    [ -d "$d" ] && { umount_root "$d"; rm -rf "$d"; }
  done
  R=$(mktemp -d "$CACHE/build.XXXXXX") && [ -d "$R" ] || return 1
  BUILD_R=$R
  trap 'umount_root "$BUILD_R"; rm -rf "${BUILD_R:?}" "$TARBALL.tmp"' EXIT
  trap 'exit 1' TERM INT HUP
  # In a tmpfs dpkg's fsyncs cost nothing; on this VM's shared disk they dominate.
  [ "${LW_E2E_TMPFS:-1}" = 1 ] && mount -t tmpfs -o mode=0755,size=2g lw-e2e-build "$R"
  echo "debootstrap $SUITE from $MIRROR (log $CACHE/debootstrap.log)"
  if ! debootstrap --variant=minbase --include="$INCLUDE" "$SUITE" "$R" "$MIRROR" \
       >"$CACHE/debootstrap.log" 2>&1; then
    tail -20 "$CACHE/debootstrap.log"; return 1
  fi
  echo "debootstrap took $(elapsed "$t")s"
  # apt sources as on a real Debian 12 (point releases and security updates), no lists kept:
  # every run does its own apt-get update, so the cache never goes stale.
  printf 'deb %s %s main\n' "$MIRROR" "$SUITE" "$MIRROR" "$SUITE-updates" >"${R:?}/etc/apt/sources.list"
  [ -z "$SECURITY_MIRROR" ] ||
    printf 'deb %s %s main\n' "$SECURITY_MIRROR" "$SUITE-security" >>"${R:?}/etc/apt/sources.list"
  chroot "${R:?}" apt-get clean
  rm -rf "${R:?}"/var/lib/apt/lists/* "${R:?}"/var/log/*.log "${R:?}"/var/cache/apt/*.bin
  echo lw-e2e >"${R:?}/etc/hostname"
  chmod 0755 "${R:?}"   # mktemp made it 0700, and it becomes the container's /: dbus could not read
  tar --numeric-owner -C "${R:?}" --zstd -cf "$TARBALL.tmp" . && mv "$TARBALL.tmp" "$TARBALL" || return 1
  for d in "$CACHE"/"$SUITE"-minbase-*.tar.zst; do   # other recipes' tarballs are dead weight
    [ "$d" = "$TARBALL" ] || rm -f "$d"
  done
  echo "rootfs built and packed in $(elapsed "$t")s"
}
# Enter the container: its PID 1's namespaces, and (-r -w) its root and working directory.
# Entering the mount namespace alone sets the root to that namespace's root mount and whatever is
# mounted on it. nspawn moves the container's tree onto its own "/" (MS_MOVE, then chroot): on a
# host that is the namespace's root, but when this script runs inside a chroot it is the chroot
# directory, so without -r nsenter lands in the host's real / beside the container, where
# systemctl answers "System has not been booted with systemd" (no /run/systemd/system).
enter() { nsenter -t "$LEADER" -a -r -w -- "$@"; }
cexec() {  # run a command inside the booted container, with a clean environment
  enter /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
    LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive SYSTEMD_PAGER= SYSTEMD_COLORS=0 "$@"
}
prop() { cexec systemctl show -P "$1" leakwatch.service 2>/dev/null; }  # one unit property

diagnostics_done=0
diagnostics() {
  [ $diagnostics_done -eq 0 ] || return 0
  diagnostics_done=1
  [ -n "$LEADER" ] && kill -0 "$LEADER" 2>/dev/null || {
    [ -n "$WORK" ] && [ -f "$WORK/console.log" ] && { echo "=== console (tail)"; tail -40 "$WORK/console.log"; }
    return 0
  }
  echo "=== diagnostics: systemctl status leakwatch"
  cexec systemctl status --no-pager -l leakwatch.service 2>&1 | sed 's/^/  /'
  echo "=== diagnostics: journalctl -u leakwatch"
  cexec journalctl -u leakwatch.service --no-pager -o short-monotonic 2>&1 | tail -60 | sed 's/^/  /'
  echo "=== diagnostics: failed units"
  cexec systemctl --failed --no-pager 2>&1 | sed 's/^/  /'
}
down() {
  local t; t=$(now)
  if [ -n "$NSPAWN_PID" ] && kill -0 "$NSPAWN_PID" 2>/dev/null; then
    [ -n "$LEADER" ] && timeout 10 nsenter -t "$LEADER" -a -r -w -- /bin/systemctl poweroff --no-block >/dev/null 2>&1
    for _ in $(seq 1 150); do kill -0 "$NSPAWN_PID" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$NSPAWN_PID" 2>/dev/null; then   # nspawn: SIGTERM = orderly halt of the container
      kill -TERM "$NSPAWN_PID"
      for _ in $(seq 1 50); do kill -0 "$NSPAWN_PID" 2>/dev/null || break; sleep 0.1; done
    fi
    kill -0 "$NSPAWN_PID" 2>/dev/null && kill -KILL "$NSPAWN_PID"
    wait "$NSPAWN_PID" 2>/dev/null
    echo "container halted in $(elapsed "$t")s"
  fi
  t=$(now); rm_cgroups "$CG"; echo "cgroups removed in $(elapsed "$t")s"
  t=$(now)
  if [ -n "$WORK" ]; then umount_root "$WORK/root"; rm -rf "$WORK"; fi
  echo "rootfs and work dir removed in $(elapsed "$t")s"
}
on_exit() {
  local rc=$?
  [ $rc -ne 0 ] && fail=1
  step_end
  [ -n "$SLEEP_PID" ] && kill "$SLEEP_PID" 2>/dev/null
  if [ -n "$ROOTFS_PID" ] && kill -0 "$ROOTFS_PID" 2>/dev/null; then   # its own process group
    kill -TERM -- "-$ROOTFS_PID"; wait "$ROOTFS_PID" 2>/dev/null
  fi
  if [ $fail -ne 0 ]; then
    diagnostics
    if [ -n "${LW_E2E_KEEP:-}" ] && [ -n "$NSPAWN_PID" ]; then
      echo "LW_E2E_KEEP: container left running; enter it with: nsenter -t $LEADER -a -r -w bash"
      echo "  remove it with: kill $NSPAWN_PID; umount $WORK/root; rm -rf $WORK;" \
           "then rmdir depth-first: $(printf '%s ' "${CG_ROOTS[@]/%//$CG}")"
      print_timings; echo "nspawn_e2e: FAILED"; exit 1
    fi
  fi
  step down; down; step_end
  print_timings
  if [ $fail -eq 0 ]; then echo "nspawn_e2e: OK"; exit 0; fi
  echo "nspawn_e2e: FAILED"; exit 1
}
