#!/usr/bin/env bash
# Runs every libFuzzer target of the sanitizer tree (deploy/sanitize.sh builds it) for a bounded time, each
# on a scratch copy of its seed corpus (tests/fuzz/corpus/<name>; the seeds in git are never changed). A
# crash, a leak, a sanitizer report, an input slower than the per-input timeout or a run over the memory
# limit fails the script; the input that did it is kept under <tree>/fuzz/<name>/artifacts/ (reproduce with
# `<tree>/tests/fuzz/<name>_fuzzer <that file>`, and add it to the corpus with the fix).
# Usage: deploy/fuzz.sh [target...]   (default: every *_fuzzer built)
#   HOMEBASE_FUZZ_SECONDS  time per target (default 30)
#   HOMEBASE_FUZZ_JOBS     targets run at once (default: the number of cores)
#   HOMEBASE_SANITIZE_BUILD_DIR  the tree (default build-asan)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${HOMEBASE_SANITIZE_BUILD_DIR:-$here/build-asan}"
seconds="${HOMEBASE_FUZZ_SECONDS:-30}"

if [[ ! -d "$build/tests/fuzz" ]]; then
  echo "fuzz: no fuzz targets in $build (run deploy/sanitize.sh first)" >&2
  exit 1
fi
export ASAN_OPTIONS="halt_on_error=1:detect_leaks=1:print_summary=1:${ASAN_OPTIONS:-}"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:print_summary=1:${UBSAN_OPTIONS:-}"
symbolizer="$(command -v llvm-symbolizer-14 || command -v llvm-symbolizer || true)"
[[ -n "$symbolizer" ]] && export ASAN_SYMBOLIZER_PATH="$symbolizer" UBSAN_SYMBOLIZER_PATH="$symbolizer"

targets=("$@")
if (( ${#targets[@]} == 0 )); then
  for exe in "$build"/tests/fuzz/*_fuzzer; do
    [[ -x "$exe" ]] && targets+=("$(basename "$exe" _fuzzer)")
  done
fi

# One target per core at a time: each libFuzzer run is one process on one core, so two cores finish the
# six targets in half the wall time with the same time per target.
fuzz_one() {
  local name="$1"
  local exe="$build/tests/fuzz/${name}_fuzzer"
  local work="$build/fuzz/$name"
  rm -rf "$work"
  mkdir -p "$work/corpus" "$work/artifacts"
  cp -R "$here/tests/fuzz/corpus/$name/." "$work/corpus/"
  echo "fuzz: $name for ${seconds} s"
  # -timeout: one input may take 10 s at most (sanitized); -rss_limit_mb: the run's memory;
  # -max_len: inputs up to 64 KiB (the largest seeds are a few KB).
  if ! "$exe" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 \
      -artifact_prefix="$work/artifacts/" "$work/corpus" >"$work/log" 2>&1; then
    {
      echo "fuzz: $name FAILED; the input is in $work/artifacts/:"
      ls -l "$work/artifacts"
      tail -n 60 "$work/log"
    } >&2
    return 1
  fi
  grep -E '^stat::number_of_executed_units|^stat::new_units_added' "$work/log" | sed "s/^/fuzz: $name /"
}

parallel="${HOMEBASE_FUZZ_JOBS:-$(nproc)}"
declare -A running=()  # pid -> target
failed=()
reap() {
  local pid
  wait -n -p pid "${!running[@]}" || failed+=("${running[$pid]}")
  unset "running[$pid]"
}
for name in "${targets[@]}"; do
  while (( ${#running[@]} >= parallel )); do reap; done
  fuzz_one "$name" &
  running[$!]="$name"
done
while (( ${#running[@]} )); do reap; done

if (( ${#failed[@]} )); then
  echo "fuzz: failed: ${failed[*]}" >&2
  exit 1
fi
echo "fuzz: ${#targets[@]} target(s) ran clean"
