#!/bin/bash
# nspawn_e2e.sh BUILD_DIR|DEB: end-to-end test of the .deb under a real systemd (Debian 12,
# systemd 252 as PID 1 of a systemd-nspawn container), on a host whose own PID 1 need not be
# systemd.
#
#   deb      BUILD_DIR: configure it (Release, prefix /usr, no tests) when it has no
#            CMakeCache.txt yet, build leakwatchd, cpack -G DEB. A .deb argument is used as is.
#   rootfs   debootstrap --variant=minbase bookworm + systemd, systemd-sysv, dbus,
#            ca-certificates, curl (in a tmpfs, in the background while the package builds).
#            Cached as a zstd tarball in $LW_E2E_CACHE (default /var/tmp/leakwatch-nspawn-cache),
#            keyed by a hash of the recipe (suite, variant, architecture, package list,
#            sources), so a rerun only unpacks it (into a tmpfs: ~2 s).
#   boot     systemd-nspawn --boot --register=no --keep-unit, the launching shell in its own
#            cgroup (otherwise nspawn creates /payload and /supervisor at the cgroup roots),
#            with CAP_SYSLOG and a read-only /dev/kmsg as on a real host, until
#            `systemctl is-system-running` is running or degraded.
#   install  apt-get install ./leakwatch_*.deb (runtime Depends come from the mirror; the
#            container shares the host's network), the postinst enables and starts it,
#            `systemctl enable --now leakwatch`, then is-active within a bounded time; READY=1,
#            DynamicUser uid, exactly the unit's ambient capabilities, /dev/kmsg readable.
#   metrics  curl /metrics inside: leakwatch_scans_total, leakwatch_process_resident_bytes,
#            and the daemon sees root's processes without permission errors.
#   reload   an invalid config keeps the daemon up with config_last_reload_successful 0;
#            the restored config gives 1; MainPID unchanged.
#   watchdog WatchdogUSec > 0, WATCHDOG=1 pings arrive, and after more than WatchdogSec the
#            service is still active with the same MainPID and NRestarts=0. Negative control:
#            with a 3 s watchdog (drop-in) and the daemon SIGSTOPped, systemd restarts it.
#   stop     systemctl stop: inactive, exited 0 after SIGTERM, history snapshot written.
#   journal  no error-level lines from the unit except the expected ones.
#   purge    apt-get purge: package, config, state, unit and enablement symlinks are gone.
# Everything (container, rootfs, cgroup dirs, a background debootstrap) is removed on exit,
# also on failure; a run killed without its trap (ctest timeout) is cleaned up by the next run.
# Each step's wall time is printed at the end.
#
# Needs root, systemd-nspawn (systemd-container), debootstrap, zstd, nsenter, and network access
# to a Debian mirror: the one this machine's apt sources name (apt-get update + the runtime
# Depends on every run, debootstrap on a cold cache). Exits 77 (skipped), saying why, when not
# root, a tool is missing, no mirror is configured, or /proc or the cgroup tree is not there or /
# is no mount point (a chroot without them mounted, or into a plain directory).
# Not testable in the container: MemoryMax=, TasksMax=, OOMScoreAdjust= and DeviceAllow= (nspawn
# delegates no resource control: the v1 controllers are read-only, unified exposes none).
#
# Environment: LW_E2E_CACHE (cache dir), LW_E2E_MIRROR, LW_E2E_SECURITY_MIRROR (default: the
# host's apt sources; without a security source the container has none either),
# LW_E2E_PORT (listen port instead of the package default 9847; by default another port is
# chosen only when 9847 is taken on the host), LW_E2E_NO_KMSG=1 (boot without /dev/kmsg and
# CAP_SYSLOG, like a plain nspawn/LXC container), LW_E2E_TMPFS=0 (rootfs on disk),
# LW_E2E_KEEP=1 (after a failure, leave the container running for debugging).
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/systemd/nspawn_lib.sh
source "$HERE/nspawn_lib.sh"
# shellcheck source=tests/systemd/nspawn_service_steps.sh
source "$HERE/nspawn_service_steps.sh"
ROOT=$(cd "$HERE/../.." && pwd)
ARG=${1:?usage: nspawn_e2e.sh BUILD_DIR|leakwatch_X.deb}

CACHE=${LW_E2E_CACHE:-/var/tmp/leakwatch-nspawn-cache}
SUITE=bookworm
INCLUDE=systemd,systemd-sysv,dbus,ca-certificates,curl
RECIPE_VERSION=3   # bump when the rootfs preparation (build_rootfs, nspawn_lib.sh) changes
DEFAULT_PORT=9847
BOOT_TIMEOUT=60    # s until is-system-running
ACTIVE_TIMEOUT=60  # s until is-active after start (READY=1 comes after the first scan)
NAME=lw-e2e-$$
CG=leakwatch-e2e-$$

fail=0

# --- step timing: every step's wall time, printed at the end (also after a failure)
T0=$(now)
STEP="" STEP_T=""
TIMINGS=()

MIRROR=${LW_E2E_MIRROR:-$(apt_source_uri main | head -1)}
SECURITY_MIRROR=${LW_E2E_SECURITY_MIRROR:-$(apt_source_uri security | head -1)}

# --- preconditions
if [ "$(id -u)" -ne 0 ]; then echo "SKIP: needs root (systemd-nspawn, debootstrap)"; exit 77; fi
if [ -z "$MIRROR" ]; then
  echo "SKIP: no Debian mirror in this machine's apt sources; set LW_E2E_MIRROR"; exit 77
fi
if [ ! -r /proc/self/status ]; then echo "SKIP: /proc is not mounted (a chroot without /proc?)"; exit 77; fi
# nspawn makes / a slave mount first, which fails (EINVAL) where / is no mount point: a chroot
# into a plain directory. A chroot whose root is a mount (bind-mounted onto itself) works.
if command -v mountpoint >/dev/null && ! mountpoint -q /; then
  echo "SKIP: / is not a mount point here (a chroot into a plain directory?): systemd-nspawn cannot set up its mounts"
  exit 77
fi
for t in systemd-nspawn:systemd-container debootstrap:debootstrap zstd:zstd nsenter:util-linux \
         flock:util-linux timeout:coreutils sha256sum:coreutils; do
  command -v "${t%%:*}" >/dev/null || { echo "SKIP: ${t%%:*} not found (package ${t##*:})"; exit 77; }
done

# --- cgroup hierarchies nspawn uses: hybrid (name=systemd v1 + unified v2) or pure cgroup2
CG_ROOTS=()
if [ "$(stat -f -c %T /sys/fs/cgroup 2>/dev/null)" = cgroup2fs ]; then
  CG_ROOTS=(/sys/fs/cgroup)
else
  for h in systemd unified; do
    [ -e /sys/fs/cgroup/$h/cgroup.procs ] && CG_ROOTS+=("/sys/fs/cgroup/$h")
  done
fi
[ ${#CG_ROOTS[@]} -gt 0 ] || { echo "SKIP: no usable cgroup hierarchy under /sys/fs/cgroup"; exit 77; }




WORK="" NSPAWN_PID="" LEADER="" ROOTFS_PID="" SLEEP_PID=""

# --- the rootfs tarball cache
mkdir -p "$CACHE"
ARCH=$(dpkg --print-architecture)
KEY=$(printf '%s\n' "recipe=$RECIPE_VERSION" "suite=$SUITE" variant=minbase "arch=$ARCH" \
        "include=$INCLUDE" "sources=$SUITE $SUITE-updates $SUITE-security" \
        "mirror=$MIRROR" "security=$SECURITY_MIRROR" | sha256sum | cut -c1-16)
TARBALL=$CACHE/$SUITE-minbase-$ARCH-$KEY.tar.zst
if [ "$ARG" = --build-rootfs ]; then   # internal: the background job started below
  build_rootfs; exit $?
fi



trap on_exit EXIT
trap 'echo "interrupted"; exit 1' INT TERM HUP

# ======================================================================================= deb
step deb
if [ ! -s "$TARBALL" ]; then   # debootstrap (network, dpkg) overlaps the compile (CPU)
  setsid bash "$0" --build-rootfs </dev/null >"$CACHE/build-rootfs.out" 2>&1 &
  ROOTFS_PID=$!
  note "no cached rootfs: building it in the background (pid $ROOTFS_PID) while the package builds"
fi
if [ -f "$ARG" ]; then
  DEB=$(cd "$(dirname "$ARG")" && pwd)/$(basename "$ARG")
else
  BUILD=$ARG
  mkdir -p "$BUILD"
  if [ ! -f "$BUILD/CMakeCache.txt" ]; then
    cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX=/usr \
      -DBUILD_TESTING=OFF >"$BUILD/nspawn_e2e.configure.log" 2>&1 ||
      { cat "$BUILD/nspawn_e2e.configure.log"; die "configure failed"; }
  fi
  BUILD=$(cd "$BUILD" && pwd)
  prefix=$(sed -n 's/^CMAKE_INSTALL_PREFIX:PATH=//p' "$BUILD/CMakeCache.txt")
  [ "$prefix" = /usr ] || die "$BUILD is configured with CMAKE_INSTALL_PREFIX=$prefix; the package needs /usr"
  cmake --build "$BUILD" --target leakwatchd --parallel "$(nproc)" >"$BUILD/nspawn_e2e.build.log" 2>&1 ||
    { tail -30 "$BUILD/nspawn_e2e.build.log"; die "building leakwatchd failed"; }
  rm -f "$BUILD"/leakwatch_*.deb
  (cd "$BUILD" && cpack -G DEB) >"$BUILD/nspawn_e2e.cpack.log" 2>&1 ||
    { cat "$BUILD/nspawn_e2e.cpack.log"; die "cpack -G DEB failed"; }
  DEB=$(ls "$BUILD"/leakwatch_*.deb 2>/dev/null | head -1)
fi
[ -n "${DEB:-}" ] && [ -f "$DEB" ] || die "no leakwatch_*.deb (argument: $ARG)"
[ "$(dpkg-deb -f "$DEB" Package 2>/dev/null)" = leakwatch ] || die "$DEB is not the leakwatch package"
ok "package $(basename "$DEB") (Depends: $(dpkg-deb -f "$DEB" Depends))"

# ==================================================================================== rootfs
step rootfs
if [ -n "$ROOTFS_PID" ]; then
  wait "$ROOTFS_PID"; rc=$?; ROOTFS_PID=""
  sed 's/^/      /' "$CACHE/build-rootfs.out"
  [ $rc -eq 0 ] && [ -s "$TARBALL" ] || die "building the rootfs failed (mirror $MIRROR reachable?)"
  ok "built rootfs $TARBALL ($(du -h "$TARBALL" | cut -f1))"
else
  ok "cached rootfs $TARBALL"
fi
reap_stale
WORK=$(mktemp -d /var/tmp/leakwatch-nspawn-e2e.XXXXXX) || die "mktemp failed"
echo $$ >"$WORK/script.pid"; echo "$CG" >"$WORK/cgroup"
mkdir "$WORK/root"
# The rootfs lives in a tmpfs by default (about 350 MB of RAM at the end): untar is faster and
# removing it is an umount, where rm -rf of ~10,000 files took 20 s on this busy 2-core VM.
if [ "${LW_E2E_TMPFS:-1}" = 1 ]; then
  mount -t tmpfs -o mode=0755,size=2g lw-e2e-root "$WORK/root" && echo tmpfs >"$WORK/rootfs-type" ||
    note "tmpfs mount failed; unpacking to disk"
fi
tar --numeric-owner -C "$WORK/root" --zstd -xf "$TARBALL" || die "untar $TARBALL failed"
[ "$(stat -c %a "$WORK/root")" = 755 ] || die "the rootfs / is mode $(stat -c %a "$WORK/root"), not 755"
ok "rootfs unpacked in $WORK/root"

# ====================================================================================== boot
step boot
for r in "${CG_ROOTS[@]}"; do mkdir -p "$r/$CG" || die "cannot create cgroup $r/$CG"; done
# As on a real host: CAP_SYSLOG (nspawn's default bounding set lacks it) and a read-only
# /dev/kmsg (nspawn hides it), so the unit's BindReadOnlyPaths=/dev/kmsg + CAP_SYSLOG path is
# exercised. LW_E2E_NO_KMSG=1 boots without them (a container without /dev/kmsg, as nspawn,
# LXC, ...): the daemon must still start.
NSPAWN_EXTRA=()
if [ -z "${LW_E2E_NO_KMSG:-}" ] && [ -c /dev/kmsg ]; then
  NSPAWN_EXTRA=(--capability=CAP_SYSLOG --bind-ro=/dev/kmsg)
  KMSG=1
else
  KMSG=0
fi
(
  for r in "${CG_ROOTS[@]}"; do echo $BASHPID >"$r/$CG/cgroup.procs"; done
  exec systemd-nspawn -q -D "$WORK/root" -M "$NAME" --boot --register=no --keep-unit "${NSPAWN_EXTRA[@]}" \
    </dev/null >"$WORK/console.log" 2>&1
) &
NSPAWN_PID=$!
echo "$NSPAWN_PID" >"$WORK/nspawn.pid"
# The container's PID 1: nspawn's child in a new PID namespace. nspawn's first child is a helper
# in nspawn's own PID namespace that starts PID 1 and exits (PID 1 is then reparented to
# nspawn); taking whichever child shows up first latched onto that helper on a slow host, and
# every later nsenter failed until the boot timed out.
container_pid1() {
  local own child
  own=$(readlink "/proc/$NSPAWN_PID/ns/pid") || return 0
  for child in $(cat "/proc/$NSPAWN_PID/task/$NSPAWN_PID/children" 2>/dev/null); do
    case "$(readlink "/proc/$child/ns/pid" 2>/dev/null)" in
      "" | "$own") ;;
      *) echo "$child"; return 0 ;;
    esac
  done
}
state=""
deadline=$(( $(date +%s) + BOOT_TIMEOUT ))
while [ "$(date +%s)" -lt $deadline ]; do
  kill -0 "$NSPAWN_PID" 2>/dev/null || { tail -30 "$WORK/console.log"; die "systemd-nspawn exited during boot"; }
  [ -n "$LEADER" ] || LEADER=$(container_pid1)
  if [ -n "$LEADER" ]; then
    state=$(cexec systemctl is-system-running 2>"$WORK/is-system-running.err")
    case "$state" in running|degraded) break;; esac
  fi
  sleep 0.1
done
case "$state" in
  running) ok "is-system-running: running (container pid 1 = host pid $LEADER)";;
  degraded) ok "is-system-running: degraded (failed units below, not ours)"
            cexec systemctl --failed --no-pager --plain | sed 's/^/      /';;
  *) tail -30 "$WORK/console.log"
     die "is-system-running is '$state' after ${BOOT_TIMEOUT}s (container pid 1 = host pid" \
       "${LEADER:-not found}; $(head -c 300 "$WORK/is-system-running.err" 2>/dev/null))";;
esac
[ "$(cexec cat /proc/1/comm)" = systemd ] && ok "systemd is PID 1 inside ($(cexec systemctl --version | head -1))" ||
  die "PID 1 inside is not systemd"

# =================================================================================== install
step install
port_busy() {  # a TCP listener on port $1 in this (shared) network namespace
  local hex; hex=$(printf '%04X' "$1")
  awk -v h=":$hex" 'FNR>1 && $4=="0A" && substr($2, length($2)-4)==h {f=1} END{exit !f}' \
    /proc/net/tcp /proc/net/tcp6 2>/dev/null
}
PORT=${LW_E2E_PORT:-$DEFAULT_PORT}
if [ -z "${LW_E2E_PORT:-}" ] && port_busy "$PORT"; then
  for p in $(seq 19847 19947); do port_busy "$p" || { PORT=$p; break; }; done
  note "port $DEFAULT_PORT is in use on the host network, which the container shares: using $PORT"
fi
if [ "$PORT" != "$DEFAULT_PORT" ]; then
  # The postinst would start the daemon on the default port. Deny that start (invoke-rc.d
  # policy, honoured by deb-systemd-invoke), set the port in the config, then start it.
  printf '#!/bin/sh\nexit 101\n' >"$WORK/root/usr/sbin/policy-rc.d"
  chmod 755 "$WORK/root/usr/sbin/policy-rc.d"
fi
cp "$DEB" "$WORK/root/var/tmp/" || die "copying the .deb into the container failed"   # not /tmp: a tmpfs
IN_DEB=/var/tmp/$(basename "$DEB")
t=$(now)
timeout 300 nsenter -t "$LEADER" -a -r -w -- /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
  apt-get -q update >"$WORK/apt-update.log" 2>&1 || { cat "$WORK/apt-update.log"; die "apt-get update failed"; }
ok "apt-get update (${t:+$(elapsed "$t")}s)"
t=$(now)
if timeout 600 nsenter -t "$LEADER" -a -r -w -- /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
     DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$IN_DEB" >"$WORK/apt-install.log" 2>&1; then
  ok "apt-get install -y $IN_DEB ($(elapsed "$t")s; $(grep -cE '^Setting up ' "$WORK/apt-install.log") packages set up)"
else
  cat "$WORK/apt-install.log"; die "apt-get install of the .deb failed"
fi
grep -E '^(E|W): ' "$WORK/apt-install.log" | grep -v 'Download is performed unsandboxed' | sed 's/^/      apt: /'
[ "$(cexec dpkg-query -W -f='${db:Status-Abbrev}' leakwatch)" = "ii " ] && ok "dpkg: leakwatch ii" ||
  bad "dpkg status of leakwatch: $(cexec dpkg-query -W -f='${db:Status-Abbrev}' leakwatch)"
[ "$(cexec systemctl is-enabled leakwatch.service)" = enabled ] && ok "postinst enabled the unit" ||
  bad "after install the unit is $(cexec systemctl is-enabled leakwatch.service), not enabled"
if [ "$PORT" = "$DEFAULT_PORT" ]; then
  st=$(cexec systemctl is-active leakwatch.service)
  [ "$st" = active ] && ok "postinst started the service (is-active: active)" ||
    bad "after install the service is '$st', not active (postinst start)"
else
  rm -f "$WORK/root/usr/sbin/policy-rc.d"
  sed -i "s/^  listen: \":$DEFAULT_PORT\"/  listen: \":$PORT\"/" "$WORK/root/etc/leakwatch/leakwatch.yaml"
  grep -q "^  listen: \":$PORT\"" "$WORK/root/etc/leakwatch/leakwatch.yaml" ||
    die "could not set web.listen to :$PORT in /etc/leakwatch/leakwatch.yaml"
fi

t=$(now)
timeout 120 nsenter -t "$LEADER" -a -r -w -- /bin/systemctl enable --now leakwatch.service >"$WORK/enable.log" 2>&1 ||
  { cat "$WORK/enable.log"; bad "systemctl enable --now leakwatch failed"; }
st="" deadline=$(( $(date +%s) + ACTIVE_TIMEOUT ))
while [ "$(date +%s)" -lt $deadline ]; do
  st=$(cexec systemctl is-active leakwatch.service)
  case "$st" in active|failed) break;; esac
  [ "$(prop NRestarts)" -gt 0 ] 2>/dev/null && break   # start failed, Restart= loop: no point waiting
  sleep 0.2
done
[ "$st" = active ] || die "leakwatch is '$st', not active, $(elapsed "$t")s after enable --now (NRestarts $(prop NRestarts))"
T_ACTIVE=$(date +%s)
MAINPID=$(prop MainPID)
ok "enable --now: active in $(elapsed "$t")s, MainPID $MAINPID, $(prop StatusText)"
[ "$(prop Type)" = notify ] && [ "$(prop NotifyAccess)" = main ] && ok "Type=notify, NotifyAccess=main: READY=1 arrived" ||
  bad "Type=$(prop Type) NotifyAccess=$(prop NotifyAccess)"
[ "$(prop DynamicUser)" = yes ] && uid=$(cexec stat -c %u "/proc/$MAINPID") &&
  [ "$uid" -ge 61184 ] && [ "$uid" -le 65519 ] && ok "runs as a dynamic uid ($uid)" ||
  bad "not running as a DynamicUser uid (DynamicUser=$(prop DynamicUser), uid ${uid:-?})"
# CAP_DAC_READ_SEARCH (2), CAP_SYS_PTRACE (19), CAP_SYSLOG (34), as far as the container's
# bounding set allows.
bnd=$(cexec awk '/^CapBnd:/ {print $2}' /proc/1/status)
want=$(printf '%016x' $(( 0x400080004 & 0x$bnd )))
caps=$(cexec grep -E '^Cap(Eff|Amb):' "/proc/$MAINPID/status" | awk '{print $2}' | sort -u)
[ "$caps" = "$want" ] && ok "effective = ambient capabilities = $want (DAC_READ_SEARCH, SYS_PTRACE$([ $(( 0x$want >> 34 & 1 )) = 1 ] && echo ", SYSLOG"))" ||
  bad "capabilities of the daemon (want Eff = Amb = $want): $(cexec grep -E '^Cap' "/proc/$MAINPID/status" | tr '\n\t' '  ')"
kl=$(cexec journalctl -u leakwatch.service -o cat --no-pager | grep -o 'kernel log: [a-z]*' | tail -1)
if [ $KMSG = 1 ]; then
  [ "$kl" = "kernel log: readable" ] && ok "/dev/kmsg readable through BindReadOnlyPaths= with CAP_SYSLOG ($kl)" ||
    bad "/dev/kmsg is bound into the container but the daemon says '${kl:-nothing}'"
else
  [ "$kl" = "kernel log: unreadable" ] && ok "no /dev/kmsg in the container: the daemon runs without it ($kl)" ||
    bad "without /dev/kmsg the daemon says '${kl:-nothing}'"
fi

# =================================================================================== metrics
step metrics
scrape() { cexec curl -fsS --max-time 10 "http://127.0.0.1:$PORT/metrics"; }
metric() { awk -v m="$1" '$1==m {print $2; exit}' "$2"; }  # value of an unlabelled sample
scrape >"$WORK/metrics.txt" 2>"$WORK/curl.err" || { cat "$WORK/curl.err"; die "curl http://127.0.0.1:$PORT/metrics inside failed"; }
ok "scraped /metrics inside ($(wc -l <"$WORK/metrics.txt") lines)"
metrics_bad=0
scans=$(metric leakwatch_scans_total "$WORK/metrics.txt")
[ -n "$scans" ] && awk -v v="$scans" 'BEGIN{exit !(v>=1)}' && ok "leakwatch_scans_total $scans" ||
  { bad "no leakwatch_scans_total >= 1 line"; metrics_bad=1; }
n=$(grep -c '^leakwatch_process_resident_bytes{' "$WORK/metrics.txt")
[ "$n" -gt 0 ] && ok "leakwatch_process_resident_bytes: $n series" ||
  { bad "no leakwatch_process_resident_bytes lines"; metrics_bad=1; }
# The sandbox (DynamicUser + ambient caps + ProtectProc=ptraceable) must still show the other
# processes: systemd, journald, dbus, ... Root's PID 1 is only visible with CAP_SYS_PTRACE.
scanned=$(metric leakwatch_processes_scanned "$WORK/metrics.txt")
procs=$(cexec sh -c 'ls -d /proc/[0-9]* | wc -l')
[ -n "$scanned" ] && awk -v v="$scanned" 'BEGIN{exit !(v>=3)}' && ok "leakwatch_processes_scanned $scanned (container has $procs pids)" ||
  { bad "leakwatch_processes_scanned '${scanned:-absent}': the daemon does not see the other processes"; metrics_bad=1; }
grep -q '^leakwatch_process_resident_bytes{.*comm="systemd"' "$WORK/metrics.txt" &&
  ok "sees root's systemd (PID 1) through the sandbox" ||
  { bad "systemd (root, PID 1) not among the tracked processes"; metrics_bad=1; }
# Permission errors would mean a capability (CAP_SYS_PTRACE: smaps_rollup, CAP_DAC_READ_SEARCH:
# /proc/PID/fd of other uids) did not make it through the sandbox.
denied=$(awk '/^leakwatch_(scan_errors|smaps_skipped)_total\{/ && /reason="denied"/ {s+=$2} END{print s+0}' "$WORK/metrics.txt")
[ "$denied" = 0 ] && ok "no permission-denied scan errors or skipped smaps reads" ||
  { bad "scan errors (denied): $denied"; metrics_bad=1; }
[ "$(metric leakwatch_config_last_reload_successful "$WORK/metrics.txt")" = 1 ] &&
  ok "leakwatch_config_last_reload_successful 1 at start" || { bad "config_last_reload_successful is not 1 at start"; metrics_bad=1; }
[ $metrics_bad -eq 0 ] || { echo "      /metrics (leakwatch_ lines without labels):"; grep -E '^leakwatch_[a-z_]+ ' "$WORK/metrics.txt" | sed 's/^/      /'; }
if command -v curl >/dev/null && curl -fsS --max-time 5 "http://127.0.0.1:$PORT/metrics" 2>/dev/null | grep -q '^leakwatch_scans_total '; then
  ok "the host reaches it too (shared network)"
fi

# ==================================================================================== reload
step reload
CONF=$WORK/root/etc/leakwatch/leakwatch.yaml
cp -p "$CONF" "$WORK/leakwatch.yaml.good"
reload_value() {  # waits (bounded) until /metrics shows config_last_reload_successful = $1
  local v=""
  for _ in $(seq 1 75); do
    v=$(scrape 2>/dev/null | awk '$1=="leakwatch_config_last_reload_successful" {print $2}')
    [ "$v" = "$1" ] && return 0
    sleep 0.2
  done
  echo "      config_last_reload_successful is '${v:-absent}'"
  return 1
}
printf 'e2e_unknown_key: 1\n' >>"$CONF"   # strict loader: an unknown key is an error
cexec systemctl reload leakwatch.service || bad "systemctl reload (invalid config) failed"
[ "$(cexec systemctl is-active leakwatch.service)" = active ] && [ "$(prop MainPID)" = "$MAINPID" ] &&
  ok "invalid config: reload kept it active, same MainPID" || bad "invalid config: is-active $(cexec systemctl is-active leakwatch.service), MainPID $(prop MainPID)"
reload_value 0 && ok "invalid config: leakwatch_config_last_reload_successful 0" ||
  bad "invalid config did not set config_last_reload_successful 0"
cp -p "$WORK/leakwatch.yaml.good" "$CONF"
cexec systemctl reload leakwatch.service || bad "systemctl reload failed"
st=$(cexec systemctl is-active leakwatch.service)
[ "$st" = active ] && [ "$(prop MainPID)" = "$MAINPID" ] && ok "reload: active, same MainPID $MAINPID" ||
  bad "after reload: is-active $st, MainPID $(prop MainPID) (was $MAINPID)"
reload_value 1 && ok "reload: leakwatch_config_last_reload_successful 1" ||
  bad "after a valid reload config_last_reload_successful is not 1"
cexec journalctl -u leakwatch.service -o cat --no-pager | grep -q 'configuration reloaded' &&
  ok "journal: configuration reloaded" || bad "no 'configuration reloaded' line in the journal"

# ============================== watchdog, stop, journal, purge (nspawn_service_steps.sh)
step_watchdog
step_stop
step_journal
step_purge
exit 0
