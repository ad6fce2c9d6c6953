#!/usr/bin/env bash
# Measures the gateway against the minimal durable harness, in one run, on 127.0.0.1 (bench/README.md).
#
#   bench/run_load.sh [GATEWAY_BINARY]          default: build/gateway/homebase
#
# 1. starts homebase_harness (port 0, temp DB) and runs homebase_load against it;
# 2. starts the gateway with a temp config (see CONFIG below) and runs the same load;
# 3. prints msgs/s, p50/p99/max latency, errors, peak RSS (VmHWM) and CPU per message for both, and
#    the ratio gateway/harness.
# Environment (defaults): BENCH_DIR (build/bench: homebase_load + homebase_harness), TEMPLATE
# (tests/fixtures/synthetic/load-template.json), CONNECTIONS (64), DURATION (10 s), WARMUP (2 s),
# THREADS (2: harness threads = gateway io_threads), MEDICAL_HOME (none|node, see CONFIG).
# Everything it starts is killed on exit; every step is bounded in time.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
gateway="${1:-$repo/build/gateway/homebase}"
bench_dir="${BENCH_DIR:-$repo/build/bench}"
template="${TEMPLATE:-$repo/tests/fixtures/synthetic/load-template.json}"
connections="${CONNECTIONS:-64}"
duration="${DURATION:-10}"
warmup="${WARMUP:-2}"
threads="${THREADS:-2}"
medical_home="${MEDICAL_HOME:-none}"

for f in "$gateway" "$bench_dir/homebase_load" "$bench_dir/homebase_harness"; do
  [[ -x "$f" ]] || { echo "run_load.sh: $f is missing or not executable (build with -DHOMEBASE_BUILD_BENCH=ON)" >&2; exit 2; }
done
[[ -r "$template" ]] || { echo "run_load.sh: cannot read template $template" >&2; exit 2; }

work="$(mktemp -d "${TMPDIR:-/tmp}/homebase-bench.XXXXXX")"
pids=()
cleanup() {
  local pid
  for pid in "${pids[@]}"; do
    kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in "${pids[@]}"; do
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# start NAME CMD...: runs CMD in the background (stdout to $work/NAME.out), waits up to 20 s for its
# "LISTENING <port>" line; sets $started_pid and $started_port.
start() {
  local name="$1"
  shift
  "$@" >"$work/$name.out" 2>"$work/$name.err" &
  started_pid=$!
  pids+=("$started_pid")
  started_port=""
  for _ in $(seq 1 200); do
    started_port="$(awk '$1 == "LISTENING" { print $2; exit }' "$work/$name.out" 2>/dev/null)"
    [[ -n "$started_port" ]] && return 0
    kill -0 "$started_pid" 2>/dev/null || break
    sleep 0.1
  done
  echo "run_load.sh: $name did not print LISTENING <port>; its stderr:" >&2
  tail -n 20 "$work/$name.err" >&2
  exit 1
}

stop() {  # stop PID: SIGTERM, wait up to 15 s
  kill -TERM "$1" 2>/dev/null || true
  for _ in $(seq 1 150); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.1; done
  kill -KILL "$1" 2>/dev/null || true
}

cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }   # utime + stime, in clock ticks
peak_rss_kb() { awk '/^VmHWM:/ { print $2 }' "/proc/$1/status"; }

# measure NAME PID PORT: runs the load, then records the figures of NAME in $work/NAME.result
measure() {
  local name="$1" pid="$2" port="$3" cpu0 cpu1 hz
  hz="$(getconf CLK_TCK)"
  cpu0="$(cpu_ticks "$pid")"
  echo "== $name (pid $pid, port $port): $connections connections, ${warmup}s warm-up + ${duration}s" >&2
  timeout --kill-after=5 "$(( ${duration%.*} + ${warmup%.*} + 30 ))" \
    "$bench_dir/homebase_load" --port "$port" --template "$template" --connections "$connections" \
    --duration "$duration" --warmup "$warmup" --path '/fhir/$process-message' >"$work/$name.load" || true
  cpu1="$(cpu_ticks "$pid")"
  cat "$work/$name.load" >&2
  local json acked
  json="$(grep '^{"tool":"homebase_load"' "$work/$name.load" || true)"
  [[ -n "$json" ]] || { echo "run_load.sh: no result from homebase_load for $name" >&2; exit 1; }
  field() { grep -o "\"$1\":[0-9.]*" <<<"$json" | cut -d: -f2; }
  acked="$(field acknowledged)"
  # CPU per message over warm-up + measurement (the server's user+sys time / every message it answered)
  local cpu_us_per_msg="-"
  local total=$(( acked > 0 ? acked : 1 ))
  cpu_us_per_msg="$(awk -v t=$(( cpu1 - cpu0 )) -v hz="$hz" -v n="$total" -v d="$duration" -v w="$warmup" \
    'BEGIN { printf "%.0f", t / hz * 1e6 / (n * (d + w) / d) }')"
  printf '%s %s %s %s %s %s %s %s\n' "$name" "$(field msgs_per_s)" "$(field p50_ms)" "$(field p99_ms)" \
    "$(field max_ms)" "$(field errors)" "$(( $(peak_rss_kb "$pid") / 1024 ))" "$cpu_us_per_msg" >"$work/$name.result"
}

# ---------------------------------------------------------------- 1. harness
start harness "$bench_dir/homebase_harness" --db "$work/harness.db" --port 0 --threads "$threads"
harness_pid="$started_pid"
measure harness "$harness_pid" "$started_port"
stop "$harness_pid"

# ---------------------------------------------------------------- 2. gateway
# ======================== CONFIG (gateway engineer: adjust keys to config/homebase.example.yaml) =======
# The medical home is either "none" (a closed loopback port: deliveries fail and back off, so the run
# measures intake + durable ACK only) or "node" (tests/tools/medical-home-server.mjs, needs `npm ci` in
# tests/tools; it competes for the same 2 CPUs).
medical_home_url="http://127.0.0.1:9/fhir"
if [[ "$medical_home" == "node" ]]; then
  start medical-home node "$repo/tests/tools/medical-home-server.mjs" --port=0
  medical_home_url="http://127.0.0.1:$started_port/fhir"
fi
cat >"$work/homebase.yaml" <<YAML
server:
  listen_address: 127.0.0.1
  port: 0
  io_threads: $threads
  body_limit_bytes: 8388608
store:
  path: $work/gateway.db
  max_batch: 256
delivery:
  base_backoff_ms: 500
  max_backoff_ms: 60000
  max_attempts: 8
  request_timeout_ms: 15000
  verify_tls_peer: true
partners:
  - id: st-elsewhere-nicu
    name: St. Elsewhere Children's Hospital NICU
    source_endpoints:
      - https://ehr.st-elsewhere-childrens.example.org/fhir
medical_homes:
  - id: bench-medical-home
    name: Sunrise Pediatrics (bench)
    fhir_base_url: $medical_home_url
    organization_identifiers:
      - system: http://hl7.org/fhir/sid/us-npi
        value: "1234567893"
    patients: []
YAML
# ======================== end of CONFIG ================================================================
start gateway "$gateway" --config "$work/homebase.yaml"
gateway_pid="$started_pid"
measure gateway "$gateway_pid" "$started_port"
stop "$gateway_pid"

# ---------------------------------------------------------------- 3. report
echo
printf '%-8s %10s %8s %8s %8s %7s %13s %12s\n' target msgs/s p50_ms p99_ms max_ms errors peak_RSS_MiB cpu_us/msg
for name in harness gateway; do
  read -r n rate p50 p99 max errors rss cpu <"$work/$name.result"
  printf '%-8s %10s %8s %8s %8s %7s %13s %12s\n' "$n" "$rate" "$p50" "$p99" "$max" "$errors" "$rss" "$cpu"
done
read -r _ h_rate _ h_p99 _ _ h_rss h_cpu <"$work/harness.result"
read -r _ g_rate _ g_p99 _ _ g_rss g_cpu <"$work/gateway.result"
awk -v gr="$g_rate" -v hr="$h_rate" -v gp="$g_p99" -v hp="$h_p99" -v gm="$g_rss" -v hm="$h_rss" -v gc="$g_cpu" -v hc="$h_cpu" 'BEGIN {
  printf "ratio gateway/harness: msgs/s %.2f, p99 %.2f, peak RSS %.2f, CPU/msg %.2f\n",
    (hr > 0 ? gr / hr : 0), (hp > 0 ? gp / hp : 0), (hm > 0 ? gm / hm : 0), (hc > 0 ? gc / hc : 0)
}'
