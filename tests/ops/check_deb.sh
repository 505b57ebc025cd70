#!/bin/bash
# check_deb.sh BUILD_DIR: build leakwatchd and the .deb in BUILD_DIR (configured here with
# -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX=/usr when it has no CMakeCache.txt yet),
# check the package's contents, modes, owners, conffiles and maintainer scripts, and run
# lintian on it: any E: or W: line is a failure (overrides: packaging/lintian-overrides).
# Needs cmake, cpack, dpkg-deb, lintian (package lintian); installs nothing.
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BUILD=${1:?usage: check_deb.sh BUILD_DIR}
fail=0
ok() { echo "ok:   $*"; }
bad() { echo "FAIL: $*"; fail=1; }
die() { echo "FAIL: $*"; exit 1; }

for t in cmake cpack dpkg-deb lintian gzip; do
  command -v $t >/dev/null || die "$t not found${t:+ (lintian: package lintian)}"
done

if [ ! -f "$BUILD/CMakeCache.txt" ]; then
  cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX=/usr \
    -DBUILD_TESTING=OFF >"$BUILD.configure.log" 2>&1 || { cat "$BUILD.configure.log"; die "configure failed"; }
  rm -f "$BUILD.configure.log"
fi
BUILD=$(cd "$BUILD" && pwd)
prefix=$(sed -n 's/^CMAKE_INSTALL_PREFIX:PATH=//p' "$BUILD/CMakeCache.txt")
[ "$prefix" = /usr ] || die "$BUILD is configured with CMAKE_INSTALL_PREFIX=$prefix; the package needs /usr"

cmake --build "$BUILD" --target leakwatchd >"$BUILD/check_deb.build.log" 2>&1 ||
  { tail -30 "$BUILD/check_deb.build.log"; die "building leakwatchd failed"; }
rm -f "$BUILD"/leakwatch_*.deb
(cd "$BUILD" && cpack -G DEB) >"$BUILD/check_deb.cpack.log" 2>&1 ||
  { cat "$BUILD/check_deb.cpack.log"; die "cpack -G DEB failed"; }
deb=$(ls "$BUILD"/leakwatch_*.deb 2>/dev/null | head -1)
[ -n "$deb" ] || die "cpack produced no leakwatch_*.deb"
ok "built $(basename "$deb")"

# --- control data
field() { dpkg-deb -f "$deb" "$1"; }
[ "$(field Package)" = leakwatch ] && ok "Package: leakwatch" || bad "Package: $(field Package)"
ver=$(sed -n 's/^CMAKE_PROJECT_VERSION:STATIC=//p' "$BUILD/CMakeCache.txt")
case "$(field Version)" in "$ver"-*) ok "Version: $(field Version)";; *) bad "Version $(field Version) is not $ver-N";; esac
[ "$(field Section)" = admin ] && ok "Section: admin" || bad "Section: $(field Section)"
[ "$(field Priority)" = optional ] && ok "Priority: optional" || bad "Priority: $(field Priority)"
field Depends | grep -q 'libc6' && ok "Depends from shlibdeps: $(field Depends)" || bad "Depends lacks shlibdeps: $(field Depends)"
field Depends | grep -q 'procps' && ok "Depends on procps (/bin/kill for ExecReload)" || bad "Depends lacks procps"

T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
dpkg-deb -e "$deb" "$T/ctl"
[ "$(cat "$T/ctl/conffiles" 2>/dev/null)" = /etc/leakwatch/leakwatch.yaml ] &&
  ok "conffiles: /etc/leakwatch/leakwatch.yaml" || bad "conffiles: $(cat "$T/ctl/conffiles" 2>/dev/null)"
for s in postinst prerm postrm; do
  if [ -x "$T/ctl/$s" ] && sh -n "$T/ctl/$s"; then ok "$s present, executable, parses"; else bad "$s missing or broken"; fi
done
grep -q 'rm -rf /var/lib/leakwatch' "$T/ctl/postrm" && grep -q 'rm -rf /etc/leakwatch' "$T/ctl/postrm" &&
  ok "postrm purges state and config" || bad "postrm does not purge /var/lib/leakwatch and /etc/leakwatch"
# Nothing may be started without systemd: every deb-systemd-invoke sits under a /run/systemd/system test.
if awk '/-d \/run\/systemd\/system/{g=1} /^fi/{g=0} /deb-systemd-invoke|systemctl/ && !g {bad=1} END{exit bad}' \
     "$T/ctl/postinst" "$T/ctl/prerm" "$T/ctl/postrm"; then
  ok "deb-systemd-invoke/systemctl only when /run/systemd/system exists"
else
  bad "a maintainer script calls deb-systemd-invoke or systemctl without checking /run/systemd/system"
fi

# --- contents: path, mode, owner
dpkg-deb -c "$deb" > "$T/contents"
expect() {  # $1 = mode string, $2 = path
  if awk -v m="$1" -v p="./${2#/}" '$1==m && $2=="root/root" && $6==p {f=1} END{exit !f}' "$T/contents"; then
    ok "$1 root/root $2"
  else
    bad "expected $1 root/root $2; got: $(grep -F " ./${2#/}" "$T/contents" | head -1)"
  fi
}
expect -rwxr-xr-x /usr/sbin/leakwatchd
expect -rw-r--r-- /lib/systemd/system/leakwatch.service
expect -rw-r--r-- /etc/leakwatch/leakwatch.yaml
expect -rw-r--r-- /usr/share/leakwatch/leakwatch-rules.yml
expect -rw-r--r-- /usr/share/leakwatch/leakwatch-dashboard.json
expect -rw-r--r-- /usr/share/doc/leakwatch/copyright
expect -rw-r--r-- /usr/share/doc/leakwatch/changelog.Debian.gz
expect -rw-r--r-- /usr/share/man/man8/leakwatchd.8.gz
if awk '$2!="root/root" {bad=1} $1 ~ /^d/ && $1!="drwxr-xr-x" {bad=1} END{exit bad}' "$T/contents"; then
  ok "every entry root/root, every directory 0755"
else
  bad "owners or directory modes:"; awk '$2!="root/root" || ($1 ~ /^d/ && $1!="drwxr-xr-x")' "$T/contents" | sed 's/^/      /'
fi

dpkg-deb -x "$deb" "$T/x"
cmp -s "$T/x/lib/systemd/system/leakwatch.service" "$ROOT/systemd/leakwatch.service" &&
  ok "packaged unit = systemd/leakwatch.service" || bad "packaged unit differs from systemd/leakwatch.service"
if grep -q LEAKWATCH-PLACEHOLDER-CONFIG "$T/x/etc/leakwatch/leakwatch.yaml"; then
  bad "the packaged /etc/leakwatch/leakwatch.yaml is a placeholder (config/leakwatch.yaml missing at configure time)"
else
  ok "packaged config is a real configuration"
fi
for gz in usr/share/doc/leakwatch/changelog.Debian.gz usr/share/man/man8/leakwatchd.8.gz; do
  # gzip -n: no file name (FLG bit 3) and MTIME 0, so the package is reproducible
  hdr=$(od -An -tu1 -N8 "$T/x/$gz" | tr -s ' ')
  set -- $hdr
  if [ "$1 $2" = "31 139" ] && [ $(( $4 & 8 )) -eq 0 ] && [ "$5$6$7$8" = 0000 ]; then
    ok "$gz: gzip without name and timestamp"
  else
    bad "$gz: not gzip -n (header $hdr)"
  fi
done
gzip -dc "$T/x/usr/share/doc/leakwatch/changelog.Debian.gz" | head -1 | grep -q "^leakwatch ($(field Version))" &&
  ok "changelog.Debian names $(field Version)" || bad "changelog.Debian does not start with leakwatch ($(field Version))"

# --- lintian (as root it only warns that it runs as root; that is not a package tag)
lintian --no-tag-display-limit "$deb" > "$T/lintian.txt" 2>&1
lrc=$?
if grep -qE '^[EW]: ' "$T/lintian.txt"; then
  bad "lintian errors/warnings:"; grep -E '^[EW]: ' "$T/lintian.txt" | sed 's/^/      /'
elif [ $lrc -ne 0 ]; then
  bad "lintian exited $lrc:"; sed 's/^/      /' "$T/lintian.txt"
else
  ok "lintian: no E: or W: ($(grep -cE '^[IPXO]: ' "$T/lintian.txt") info/pedantic/overridden lines)"
fi
grep -E '^[IPXO]: ' "$T/lintian.txt" | sed 's/^/      /'

[ $fail -eq 0 ] && echo "check_deb: OK ($deb)" || echo "check_deb: FAILED ($deb)"
exit $fail
