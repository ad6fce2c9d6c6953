#!/usr/bin/env bash
# Builds the sanitizer tree (clang 14: AddressSanitizer + UndefinedBehaviorSanitizer on every target, plus
# libFuzzer coverage so that deploy/fuzz.sh uses the same tree) and runs the whole ctest suite there once:
# unit, component and integration (the sanitized homebase binary on 127.0.0.1). Any sanitizer report stops
# the process that made it, so the test fails with the report in its output.
# Usage: deploy/sanitize.sh [--build-only | --test-only] [extra ctest arguments]
#   (tree: $HOMEBASE_SANITIZE_BUILD_DIR, default build-asan)
set -euo pipefail
step=all
case "${1:-}" in
  --build-only) step=build; shift ;;
  --test-only) step=test; shift ;;
esac
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${HOMEBASE_SANITIZE_BUILD_DIR:-$here/build-asan}"
cxx="$(command -v clang++-14 || command -v clang++)"

if [[ "$step" != test ]]; then
  start=$SECONDS
  # -O1 with line tables only: what the sanitizers' authors recommend, and a lighter compile than -O2 -g;
  # reports still name file and line. The gateway's own code and the test code are compiled at -O0 here
  # (gateway/CMakeLists.txt, tests/CMakeLists.txt say why); JSON, validation and mapping keep -O1.
  cmake -S "$here" -B "$build" -DCMAKE_BUILD_TYPE=None -DCMAKE_CXX_FLAGS="-O1 -gline-tables-only" \
    -DCMAKE_CXX_COMPILER="$cxx" \
    -DHOMEBASE_SANITIZE=ON -DHOMEBASE_FUZZ=ON -DHOMEBASE_BUILD_TESTS=ON -DHOMEBASE_BUILD_BENCH=OFF >/dev/null
  cmake --build "$build" -j"$(nproc)"
  echo "sanitize: built in $((SECONDS - start)) s"
fi
[[ "$step" == build ]] && exit 0

# halt_on_error + abort_on_error: the first report ends the process with a failing status;
# detect_leaks: LeakSanitizer at every sanitized process's exit (the gateway's too, after SIGTERM).
export ASAN_OPTIONS="halt_on_error=1:abort_on_error=1:detect_leaks=1:check_initialization_order=1:strict_init_order=1:detect_stack_use_after_return=0:print_summary=1:${ASAN_OPTIONS:-}"
export UBSAN_OPTIONS="halt_on_error=1:abort_on_error=1:print_stacktrace=1:print_summary=1:${UBSAN_OPTIONS:-}"
# deploy/lsan.supp: libraries with process-lifetime caches (fontconfig, under the letters' PDF); inherited by
# the gateway processes the integration tests start.
export LSAN_OPTIONS="print_suppressions=0:suppressions=$here/deploy/lsan.supp:${LSAN_OPTIONS:-}"
symbolizer="$(command -v llvm-symbolizer-14 || command -v llvm-symbolizer || true)"
[[ -n "$symbolizer" ]] && export ASAN_SYMBOLIZER_PATH="$symbolizer" UBSAN_SYMBOLIZER_PATH="$symbolizer"

start=$SECONDS
# The fuzz corpus replays (label fuzz) are left to deploy/fuzz.sh, which starts every run with them. The
# two tests that compare our validator with the independent Node engines are left to the normal suite: the
# engines are not ours to sanitize, and our validator meets the same inputs in the tests that stay
# (R4Examples.ValidateWithoutErrorsExceptTheListedDefects, CorpusValidation.EveryExternalFileValidates...).
# The browser tests (label browser: Chromium driving the console) and the deploy-file checks (label
# deploy: YAML and unit files) are left to the normal suite too: the C++ they reach is the console's
# handlers and the config loader, which the unit and integration tests run here, and under the sanitizers
# they cost minutes of a cold CI run for no code of ours that the other tests miss.
# The scenario fixtures expanded at two fixed far-off dates (a leap day, a new year) are left to the normal suite
# too: they test date arithmetic, and their "today" instantiation runs the same code here.
ctest --test-dir "$build" --output-on-failure -j"$(nproc)" --timeout 900 -LE 'fuzz|browser|deploy' \
  -E 'Agrees?WithTheIndependentEngines|^Days/.*/"[0-9]' "$@"
echo "sanitize: tests ran in $((SECONDS - start)) s"
