#!/usr/bin/env bash
# Parse+validate throughput of Homebase's R4 engine beside RapidJSON's parse and medplum's validator, on
# the same two files, in one run (figures in bench/README.md).
#   bench/run_validation.sh [BUILD_DIR]   (default build; needs HOMEBASE_BUILD_BENCH=ON and npm ci in tests/tools)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${1:-$here/build}"
out="$(mktemp)"
trap 'rm -f "$out"' EXIT

"$build/bench/homebase_validation" --benchmark_repetitions=5 --benchmark_report_aggregates_only=true \
  --benchmark_min_time=0.5 | tee "$out" | grep -E "R4 model|median"
node "$here/bench/medplum_validation.mjs" 50 30 | tee -a "$out"

# Ratios from the medians above: medplum time / Homebase parse+validate time.
awk '
  /BM_ParseAndValidate\/0_median/ { h0 = $4 }
  /BM_ParseAndValidate\/1_median/ { h1 = $4 }
  /^medplum seed/    { for (i = 1; i <= NF; i++) if ($i == "median") m0 = $(i + 1) }
  /^medplum Synthea/ { for (i = 1; i <= NF; i++) if ($i == "median") m1 = $(i + 1) }
  END {
    if (h0 && m0) printf("medplum / homebase (seed, CPU medians): %.1fx\n", m0 * 1e6 / h0)
    if (h1 && m1) printf("medplum / homebase (Synthea, CPU medians): %.1fx\n", m1 * 1e6 / h1)
  }' "$out"
