#!/usr/bin/env bash
# Command (b): install what is missing (test tools included), build with warnings as errors, and run
# every test with ctest: unit, component and integration (the real binary on 127.0.0.1).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$here/deploy/install-deps.sh" --test
"$here/deploy/build.sh" -DHOMEBASE_WERROR=ON -DHOMEBASE_BUILD_TESTS=ON -DHOMEBASE_BUILD_BENCH=ON
ctest --test-dir "${HOMEBASE_BUILD_DIR:-$here/build}" --output-on-failure -j"$(nproc)" --timeout 300
