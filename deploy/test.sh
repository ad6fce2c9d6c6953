#!/usr/bin/env bash
# Command (b): install what is missing (test tools included), build with warnings as errors, and run
# every test with ctest: unit, component and integration (the real binary on 127.0.0.1).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$here/deploy/install-deps.sh" --test
"$here/deploy/build.sh" -DHOMEBASE_WERROR=ON -DHOMEBASE_BUILD_TESTS=ON -DHOMEBASE_BUILD_BENCH=ON
ctest --test-dir "${HOMEBASE_BUILD_DIR:-$here/build}" --output-on-failure -j"$(nproc)" --timeout 300
# The same suite once more under AddressSanitizer + UndefinedBehaviorSanitizer (clang), then each fuzz
# target for a bounded time (tests/fuzz/README.md). Opt-in (HOMEBASE_SANITIZE=1) until the whole sanitized
# suite has been seen to pass within CI's time on these machines: see tests/fuzz/README.md, "Status".
if [[ "${HOMEBASE_SANITIZE:-0}" != 0 ]]; then
  "$here/deploy/sanitize.sh"
  "$here/deploy/fuzz.sh"
fi
