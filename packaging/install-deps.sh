#!/usr/bin/env bash
# Installs what leakwatch needs from Debian 12's packages: `--build` for building and running,
# `--test` for the whole test suite as well. Installs only what is missing (apt-get update runs
# only then), so a second run is fast and needs no network.
set -euo pipefail

build_pkgs=(cmake ninja-build g++ pkg-config prometheus-cpp-dev libhttp-parser-dev libgcrypt20-dev
  libyaml-cpp-dev libspdlog-dev libfmt-dev catch2 libsystemd-dev libcrypt-dev zlib1g-dev libre2-dev)
# The tests build by default (BUILD_TESTING), so what they compile against is a build package.
build_pkgs+=(nlohmann-json3-dev libssl-dev)  # libssl-dev: base64 of the tests' credentials
# cpack -G DEB (the README's Install): dpkg-shlibdeps and file compute the package's Depends.
build_pkgs+=(dpkg-dev file)
# Allocation-site attribution (lib/sites): libdw/libelf for unwinding and symbols, libbpf and the
# BPF object built with clang and bpftool gen skeleton.
build_pkgs+=(libdw-dev libelf-dev libbpf-dev bpftool clang llvm)
# tests/run.sh and the tests: format and static checks, the ops and systemd tests' tools, and
# ccache, which the build uses when it is installed (run.sh's three build trees, CI's reruns).
# Not git: run.sh lists the sources with find when there is no git work tree.
test_pkgs=(prometheus python3 clang-format clang-tidy lintian systemd util-linux file
  debootstrap systemd-container zstd ccache)
# The per-process page is rendered in a headless browser (tests/integration/process_page_test.cpp).
test_pkgs+=(chromium)
# The attribution tests: glibc's separate debug file (found by build-id), Debian's libFuzzer
# runtime for tests/fuzz/run.sh, libfaketime for the wall-clock fault row.
test_pkgs+=(libc6-dbg libclang-rt-14-dev faketime)

want=("${build_pkgs[@]}")
case "${1:---build}" in
  --build) ;;
  --test) want+=("${test_pkgs[@]}") ;;
  *) echo "usage: $0 [--build|--test]" >&2; exit 2 ;;
esac

missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  if [ "$(id -u)" -ne 0 ]; then
    echo "run as root (or with sudo) to install packages" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # The prometheus package starts a server on :9090 by default; tests start their own.
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  if dpkg-query -W prometheus >/dev/null 2>&1 && command -v systemctl >/dev/null && [ -d /run/systemd/system ]; then
    systemctl disable --now prometheus >/dev/null 2>&1 || true
  fi
fi
