#!/usr/bin/env bash
# Command (b): install what is missing (test tools included), build with warnings as errors, and run
# every test with ctest: unit, component and integration (the real binary on 127.0.0.1). Then the same
# suite once more under AddressSanitizer + UndefinedBehaviorSanitizer (clang, deploy/sanitize.sh) and each
# libFuzzer target for a bounded time (deploy/fuzz.sh, tests/fuzz/README.md).
# The sanitizer tree is built while the first suite runs: the integration tests spend most of their time
# waiting on the gateway and its sockets, and the suite must pass with the CPUs loaded anyway.
# HOMEBASE_SANITIZE=0 skips the sanitizer suite and the fuzzers (a quick local run).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
start=$SECONDS
"$here/deploy/install-deps.sh" --test
"$here/deploy/build.sh" -DHOMEBASE_WERROR=ON -DHOMEBASE_BUILD_TESTS=ON -DHOMEBASE_BUILD_BENCH=ON
echo "test: installed and built in $((SECONDS - start)) s"

sanitize="${HOMEBASE_SANITIZE:-1}"
sanitize_dir="${HOMEBASE_SANITIZE_BUILD_DIR:-$here/build-asan}"
sanitize_log="$sanitize_dir/build.log"
if [[ "$sanitize" != 0 ]]; then
  mkdir -p "$sanitize_dir"
  "$here/deploy/sanitize.sh" --build-only >"$sanitize_log" 2>&1 &
  sanitize_build=$!
fi

start=$SECONDS
status=0
ctest --test-dir "${HOMEBASE_BUILD_DIR:-$here/build}" --output-on-failure -j"$(nproc)" --timeout 300 || status=$?
echo "test: suite ran in $((SECONDS - start)) s"

if [[ "$sanitize" != 0 ]]; then
  if ! wait "$sanitize_build"; then
    tail -n 80 "$sanitize_log" >&2
    echo "test: the sanitizer tree did not build (log: $sanitize_log)" >&2
    exit 1
  fi
  grep '^sanitize:' "$sanitize_log" || true
  (( status == 0 )) || exit "$status"
  "$here/deploy/sanitize.sh" --test-only
  "$here/deploy/fuzz.sh"
fi
exit "$status"
