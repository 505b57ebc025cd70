#!/usr/bin/env bash
# Builds the seed corpora tests/fuzz/corpus/<target>/ from the fixture trees (tests/fixtures),
# the shipped config and a few hand-written inputs. Seeds of a target whose first byte selects
# the parser get that byte prepended (see each target's kParsers). Seed files are named
# seed-<sha1 prefix>; other files in the corpus directories (minimised findings, regressions,
# named crash-*/regress-*) are kept. Rerun after a fixture changes; commit the result.
# Usage (repository root): tests/fuzz/make_seeds.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
corpus=tests/fuzz/corpus
fixtures=tests/fixtures

# seed TARGET SELECTOR_BYTE(decimal or "") < input
seed() {
  local target=$1 selector=$2 tmp
  mkdir -p "$corpus/$target"
  tmp=$(mktemp)
  if [ -n "$selector" ]; then printf "\\$(printf '%03o' "$selector")" >"$tmp"; fi
  cat >>"$tmp"
  local sum
  sum=$(sha1sum "$tmp" | cut -c1-16)
  mv "$tmp" "$corpus/$target/seed-$sum"
}

# seed_files TARGET SELECTOR NAME MAX: up to MAX distinct fixture files called NAME.
seed_files() {
  local target=$1 selector=$2 name=$3 max=$4 f n=0
  while IFS= read -r f; do
    seed "$target" "$selector" <"$f"
    n=$((n + 1))
    [ "$n" -lt "$max" ] || break
  done < <(find "$fixtures" -type f -name "$name" -print0 | xargs -0 -r sha1sum |
    sort -u -k1,1 | awk '{print $2}' | sort)
}

# procfs: 0 stat, 1 status, 2 smaps_rollup, 3 /proc/stat, 4 meminfo, 5 vmstat, 6 pressure,
# 7 limits, 8 /proc/PID/cgroup, 9 /proc/PID/statm
seed_files procfs 0 stat 1  # /proc/stat and /proc/PID/stat share the name: both selectors
seed procfs 0 <"$fixtures/proc/5654/stat"
seed procfs 3 <"$fixtures/proc/stat"
seed procfs 1 <"$fixtures/proc/5654/status"
seed procfs 2 <"$fixtures/proc/5654/smaps_rollup"
seed procfs 4 <"$fixtures/proc/meminfo"
seed procfs 5 <"$fixtures/proc/vmstat"
seed procfs 6 <"$fixtures/proc/pressure/memory"
seed procfs 6 <"$fixtures/proc/pressure/cpu"
seed procfs 7 <"$fixtures/proc/5654/limits"
seed procfs 8 <"$fixtures/proc/5654/cgroup"
printf '731 452 387 6 0 98 0\n' | seed procfs 9
printf '0 0 0 0 0 0 0\n' | seed procfs 9
printf '42 (a) b) (c) R 1 42 42 0 -1 4194560 0 0 0 0 1 2 0 0 20 0 1 0 99 4096 10 0 0 0 0\n' |
  seed procfs 0

# cgroup: 0 memory.current, 1 memory.max, 2 memory.stat, 3 memory.events, 4 v1 counter,
# 5 v1 limit, 6 v1 memory.stat, 7 oom_control, 8 mountinfo, 9 field escapes, 10 path naming,
# 11 single u64
seed_files cgroup 0 memory.current 2
seed_files cgroup 1 memory.max 3
seed_files cgroup 2 memory.stat 3  # v1 and v2 files share the name: both selectors
seed_files cgroup 6 memory.stat 3
seed_files cgroup 3 memory.events 2
seed_files cgroup 4 memory.usage_in_bytes 2
seed_files cgroup 5 memory.limit_in_bytes 2
seed_files cgroup 7 memory.oom_control 2
seed_files cgroup 8 mountinfo 5
printf '/tmp/a\\040b\\134c\\011d\\12' | seed cgroup 9
printf '/system.slice/docker-%064d.scope' 7 | seed cgroup 10
printf '/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod1234_5678.slice/cri-containerd-%064d.scope' 1 |
  seed cgroup 10
printf '/user.slice/user-1000.slice/user@1000.service/app.slice/app-gnome-x.scope' | seed cgroup 10
printf '1234\n' | seed cgroup 11

# kmsg: the fixture logs as they are (one record per line)
for f in "$fixtures"/kmsg/*.txt; do seed kmsg "" <"$f"; done

# config: 0 YAML, 1 duration, 2 size
seed config 0 <config/leakwatch.yaml
printf 'scan:\n  interval: 5s\nweb:\n  listen: "127.0.0.1:0"\n' | seed config 0
printf '1h' | seed config 1
printf '250ms' | seed config 1
printf '512MiB' | seed config 2

# snapshot: 0 whole file, 1 payload, 2 patch of a real payload (u16 offset, bytes)
printf 'LWSNAP01\003\000\000\000\004\000\000\000\000\000\000\000\000\000\000\000abcd' |
  seed snapshot 0
printf '\000' | seed snapshot 1
printf '\000\000' | seed snapshot 2
printf '\000\100\377\377' | seed snapshot 2
printf '\200\200' | seed snapshot 2

# recording: the formats parse_recording accepts
printf 'timestamp,bytes\n1763647200,1000\n1763647260.5,2000\n' | seed recording ""
printf '2026-11-20 14:00:00 RSS: 409600 KB (400 MB)\n2026-11-20 14:01:00 RSS: 409700 KB\n' |
  seed recording ""
printf '# comment\n\n2026-11-20T14:00:00Z,1e6\n2026-11-20T14:00:01,2e6\n' | seed recording ""

# http_request: first byte = split point << 1 | with_auth
req() { printf '%b' "$2" | seed http_request "$1"; }
req 0 'GET /metrics HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip;q=0.5, br\r\n\r\n'
req 1 'GET /api/v1/processes?x=1 HTTP/1.1\r\nAuthorization: Basic YWxpY2U6czNjcmV0\r\n\r\n'
req 21 'GET /api/v1/processes/4242 HTTP/1.0\r\nAuthorization: Basic Ym9iOnNlY3JldA==\r\n\r\n'
req 8 'HEAD /healthz HTTP/1.1\r\n\r\n'
req 0 'GET / HTTP/1.1\r\nAccept-Encoding: *\r\n\r\n'
req 0 'GET /a/%2e%2e/api/v1/report HTTP/1.1\r\n\r\n'
req 0 'GET /process/4242 HTTP/1.1\r\n\r\n'
req 0 'GET /process/abc HTTP/1.1\r\n\r\n'
req 0 'GET /api/v1/cgroups HTTP/1.1\r\n\r\n'
req 0 'GET /api/v1/oom-kills HTTP/1.1\r\n\r\n'
req 0 'GET /api/v1/groups HTTP/1.1\r\n\r\n'
req 0 'POST /metrics HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\n'

# escape: hostile names
printf '<script>alert(1)</script>"&'"'" | seed escape ""
printf 'bad\377\376 name\n\t\\"x' | seed escape ""
printf '\xe2\x82\xac \xf0\x9f\x92\xa9 \xed\xa0\x80 \xc0\xaf' | seed escape ""
echo "seeds in $corpus:"
for d in "$corpus"/*/; do printf '  %-14s %s files\n' "$(basename "$d")" "$(find "$d" -type f | wc -l)"; done
