#!/usr/bin/env bash
# The whole test suite, as CI runs it. In order:
#   - installs the Debian packages it needs (packaging/install-deps.sh --test);
#   - checks formatting (clang-format);
#   - builds the README's quick-start configuration (build/, RelWithDebInfo) and checks the
#     shipped config/leakwatch.yaml with it;
#   - builds the README's Install configuration (build-deb/, Release, prefix /usr, no tests: the
#     daemon only) and its package (cpack -G DEB); the ops and systemd tests reuse that tree;
#   - runs clang-tidy, then every test in build/;
#   - builds with ASan+UBSan (build-asan/) and runs the tests again.
# Every build here treats warnings as errors (-DLW_WERROR=ON); the README's own builds leave
# that off. Runs from a git clone or from a source tarball: git is not needed.
# Host-mutating tests (ctest label host_mutating) are enabled here: LW_TEST_HOST_MUTATING=1.
# Usage (repository root, as root): tests/run.sh
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd -P)  # physical, as git rev-parse --show-toplevel prints it
jobs=$(nproc)

# Wall time of every stage, printed at the end.
suite_start=$SECONDS stage_name="" stage_start=0 timings=()
stage() {
  stage_end
  stage_name=$1 stage_start=$SECONDS
  echo "== $1"
}
stage_end() {
  [ -n "$stage_name" ] || return 0
  timings+=("$(printf '%5ss  %s' $((SECONDS - stage_start)) "$stage_name")")
  stage_name=""
}
print_timings() {
  stage_end
  echo "== wall time per stage"
  printf '  %s\n' "${timings[@]}"
  printf '%7ss  total\n' $((SECONDS - suite_start))
}
trap print_timings EXIT

# The files under the given top-level directories whose names match the given patterns: git's
# list in a git work tree whose top is this directory, else (a source tarball) every such file,
# build trees excluded.
source_files() {  # DIRS... -- PATTERNS...
  local dirs=() patterns=() find_names=() d p
  while [ "$1" != -- ]; do dirs+=("$1"); shift; done
  shift
  patterns=("$@")
  if command -v git >/dev/null && [ "$(git rev-parse --show-toplevel 2>/dev/null)" = "$root" ]; then
    local specs=()
    for d in "${dirs[@]}"; do for p in "${patterns[@]}"; do specs+=("$d/$p"); done; done
    git ls-files -- "${specs[@]}"
  else
    for p in "${patterns[@]}"; do find_names+=(-o -name "$p"); done
    find "${dirs[@]}" -type d \( -name 'build*' -o -name '.*' \) -prune -o \
      -type f \( "${find_names[@]:1}" \) -print | sort
  fi
}

stage "dependencies (packaging/install-deps.sh --test)"
packaging/install-deps.sh --test

stage "format check (clang-format)"
source_files lib daemon tests -- '*.cpp' '*.h' | xargs -r clang-format --dry-run -Werror

stage "build: quick start (build/, RelWithDebInfo)"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DLW_WERROR=ON \
  -DLW_DEB_BUILD_DIR="$root/build-deb" >/dev/null
cmake --build build -j"$jobs"
build/daemon/leakwatchd --check-config config/leakwatch.yaml

stage "build: Install (build-deb/, Release, prefix /usr, no tests, cpack -G DEB)"
cmake -S . -B build-deb -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX=/usr \
  -DBUILD_TESTING=OFF -DLW_WERROR=ON >/dev/null
cmake --build build-deb -j"$jobs"
rm -f build-deb/leakwatch_*.deb
(cd build-deb && cpack -G DEB >/dev/null)
ls build-deb/leakwatch_*.deb

stage "static analysis (clang-tidy, .clang-tidy at the root)"
source_files lib daemon -- '*.cpp' | xargs -r -P"$jobs" -n4 clang-tidy -p build --quiet

stage "tests (build/; host-mutating ones included)"
(cd build && LW_TEST_HOST_MUTATING=1 ctest --output-on-failure -j"$jobs" --timeout 900)

stage "build: ASan + UBSan (build-asan/, Debug)"
cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DLW_SANITIZE=ON -DLW_WERROR=ON \
  >/dev/null
cmake --build build-asan -j"$jobs"

stage "tests under ASan + UBSan (LeakSanitizer included)"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
# The long end-to-end cases wait on the daemon's scans for minutes (late onset 5 min, headroom and
# crash loop 1-1.5 min each, the real OOM kill 1 min) and run the same daemon code the e2e case
# already runs under the sanitizers, whose units run here too; they run once, in the plain build.
(cd build-asan && ctest --output-on-failure -j"$jobs" --timeout 900 -LE "ops|systemd|host_mutating" \
  -E "integration:(late onset|headroom|crash loop|oom: a real OOM kill)")

stage_end
echo "all tests passed ($root)"
