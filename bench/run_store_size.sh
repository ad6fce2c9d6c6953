#!/usr/bin/env bash
# Measures the disk a message costs in the store, before and after the retention purge (bench/README.md,
# "Retention: the purge on the intake path, and the disk a message costs").
#
#   bench/run_store_size.sh [GATEWAY_BINARY]          default: build/gateway/homebase
#
# 1. the gateway (retention.enabled: false) takes MESSAGES messages of the load template (each a new child,
#    homebase_load --count) and delivers them to homebase_sink (a medical home that answers 200 at once);
#    once nothing is left queued it stops, and the store's pages in use are counted (homebase_retention_fill
#    --report: pages not on SQLite's freelist, times the page size, per message);
# 2. the gateway starts again on that store with retention message_bodies and delivery_attempts of 1 s and
#    a purge pass every second; once homebase_purged_total{kind="message_body"} reaches MESSAGES it stops,
#    and the pages in use are counted again. The file does not shrink (SQLite keeps freed pages on its
#    freelist and reuses them for new messages); the pages in use are what the next messages cost no new disk.
# Environment (defaults): MESSAGES (2000), THREADS (2), LOAD_CONNECTIONS (16), BENCH_DIR (build/bench),
# TEMPLATE (tests/fixtures/synthetic/load-template.json), RUN_TIMEOUT (600 s). Everything it starts is
# stopped on exit; every wait is bounded.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
gateway="${1:-$repo/build/gateway/homebase}"
bench_dir="${BENCH_DIR:-$repo/build/bench}"
template="${TEMPLATE:-$repo/tests/fixtures/synthetic/load-template.json}"
messages="${MESSAGES:-2000}"
threads="${THREADS:-2}"
load_connections="${LOAD_CONNECTIONS:-16}"
run_timeout="${RUN_TIMEOUT:-600}"
[[ "$messages" =~ ^[1-9][0-9]*$ && "$threads" =~ ^[0-9]+$ && "$run_timeout" =~ ^[0-9]+$ ]] ||
  { echo "run_store_size.sh: MESSAGES, THREADS and RUN_TIMEOUT are whole numbers" >&2; exit 2; }
for f in "$gateway" "$bench_dir/homebase_load" "$bench_dir/homebase_sink" "$bench_dir/homebase_retention_fill"; do
  [[ -x "$f" ]] || { echo "run_store_size.sh: $f is missing (build with -DHOMEBASE_BUILD_BENCH=ON)" >&2; exit 2; }
done
command -v curl >/dev/null || { echo "run_store_size.sh: needs curl" >&2; exit 2; }

work="$(mktemp -d "${TMPDIR:-/tmp}/homebase-size.XXXXXX")"
pids=()
cleanup() {
  local pid
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

start() {  # start NAME CMD...: waits up to 20 s for "LISTENING <port>"; sets $started_pid, $started_port
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
  echo "run_store_size.sh: $name did not print LISTENING <port>; its stderr:" >&2
  tail -n 20 "$work/$name.err" >&2
  exit 1
}
stop() {  # stop PID: SIGTERM, wait up to 30 s
  kill -TERM "$1" 2>/dev/null || true
  for _ in $(seq 1 300); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.1; done
  kill -KILL "$1" 2>/dev/null || true
}
# status PORT FIELD: a number from GET /admin/status (development mode: no credentials)
status() { curl -sS --max-time 10 "http://127.0.0.1:$1/admin/status" | grep -o "\"$2\":[0-9]*" | head -1 | cut -d: -f2; }
purged() {
  curl -sS --max-time 10 "http://127.0.0.1:$1/metrics" |
    awk '/^homebase_purged_total\{kind="message_body"\}/ { v = $2 } END { printf "%d\n", v }'
}

start sink "$bench_dir/homebase_sink"
home="http://127.0.0.1:$started_port/fhir"

# write_config FILE RETENTION_YAML
write_config() {
  cat >"$1" <<YAML
server:
  listen_address: 127.0.0.1
  port: 0
  io_threads: $threads
  body_limit_bytes: 8388608
  max_connections_per_address: 256
  per_address_rate: {per_second: 0}
auth: {development_mode: true}
store:
  path: $work/size.db
$2
delivery:
  window: 8
  request_timeout_ms: 15000
partners:
  - id: st-elsewhere-nicu
    name: St. Elsewhere Children's Hospital NICU
    source_endpoints:
      - https://ehr.st-elsewhere-childrens.example.org/fhir
    rate_limit: {per_second: 0}
medical_homes:
  - id: bench-medical-home
    name: Sunrise Pediatrics (bench)
    fhir_base_url: $home
    organization_identifiers:
      - system: http://hl7.org/fhir/sid/us-npi
        value: "1234567893"
YAML
}

# ---------------------------------------------------------------- 1. fill and deliver, nothing purged
echo "== $messages messages, delivered to the sink (retention off)" >&2
write_config "$work/fill.yaml" "retention: {enabled: false}"
start gateway-fill "$gateway" --config "$work/fill.yaml"
pid="$started_pid"
port="$started_port"
timeout --kill-after=5 $(( run_timeout + 30 )) "$bench_dir/homebase_load" --port "$port" --template "$template" \
  --connections "$load_connections" --duration "$run_timeout" --warmup 0 --count "$messages" >"$work/load.out" || true
grep -E "acknowledged|errors" "$work/load.out" >&2 || true
for _ in $(seq 1 $(( run_timeout * 10 ))); do
  left="$(( $(status "$port" queued) + $(status "$port" retrying) ))"
  [[ "$left" == 0 ]] && break
  sleep 0.1
done
[[ "$left" == 0 ]] || { echo "run_store_size.sh: $left deliveries left after ${run_timeout}s" >&2; exit 1; }
stop "$pid"
before="$("$bench_dir/homebase_retention_fill" --report "$work/size.db" --messages "$messages")"
echo "$before" >&2

# ---------------------------------------------------------------- 2. the purge
echo "== the same store, retention 1 s: every delivered body and attempt purged" >&2
write_config "$work/purge.yaml" "retention: {message_bodies: 1s, delivery_attempts: 1s, purge_every: 1s}"
start gateway-purge "$gateway" --config "$work/purge.yaml"
pid="$started_pid"
port="$started_port"
done_purging=""
for _ in $(seq 1 $(( run_timeout * 10 ))); do
  [[ "$(purged "$port")" -ge "$messages" ]] && { done_purging=yes; break; }
  sleep 0.1
done
[[ -n "$done_purging" ]] || { echo "run_store_size.sh: the purge did not finish in ${run_timeout}s" >&2; exit 1; }
stop "$pid"
after="$("$bench_dir/homebase_retention_fill" --report "$work/size.db" --messages "$messages")"
echo "$after" >&2

# ---------------------------------------------------------------- 3. report
field() { grep -o "\"$1\":[0-9]*" <<<"$2" | cut -d: -f2; }
echo
echo "$messages messages of the load template, delivered"
printf '%-22s %12s %14s %18s\n' "" file_bytes bytes_in_use in_use_per_message
printf '%-22s %12s %14s %18s\n' "before the purge" "$(field file_bytes "$before")" "$(field bytes_in_use "$before")" \
  "$(field bytes_in_use_per_message "$before")"
printf '%-22s %12s %14s %18s\n' "after the purge" "$(field file_bytes "$after")" "$(field bytes_in_use "$after")" \
  "$(field bytes_in_use_per_message "$after")"
