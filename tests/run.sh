#!/usr/bin/env bash
# The whole test suite, as CI runs it: installs the Debian packages it needs, builds the daemon and
# the tests twice (RelWithDebInfo, then ASan+UBSan), runs every test in both, and checks formatting.
# Usage (repository root, as root): tests/run.sh
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
jobs=$(nproc)

packaging/install-deps.sh --test

echo "== format check (clang-format)"
git ls-files '*.cpp' '*.h' | xargs clang-format --dry-run -Werror

echo "== build (RelWithDebInfo)"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$jobs"

echo "== static analysis (clang-tidy, .clang-tidy at the root)"
git ls-files 'lib/*.cpp' 'daemon/*.cpp' | xargs -P"$jobs" -n4 clang-tidy -p build --quiet

echo "== tests"
(cd build && ctest --output-on-failure -j"$jobs" --timeout 900)

echo "== build (ASan + UBSan)"
cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DLW_SANITIZE=ON >/dev/null
cmake --build build-asan -j"$jobs"

echo "== tests under ASan + UBSan (LeakSanitizer included)"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
(cd build-asan && ctest --output-on-failure -j"$jobs" --timeout 900 -LE "ops|systemd")

echo "all tests passed ($root)"
