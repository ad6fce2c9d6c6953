#!/usr/bin/env bash
# Measures delivery to a medical home that answers at once (bench/README.md, "Delivery"): deliveries/s
# with CHILDREN children queued, for each delivery window in WINDOWS, RUNS times, on 127.0.0.1.
#
#   bench/run_delivery.sh [GATEWAY_BINARY]          default: build/gateway/homebase
#
# 1. fills a store once: the gateway with deliveries held (delivery.window: 0), homebase_load --count
#    CHILDREN (each message a new child: tests/fixtures/synthetic/load-template.json), then a graceful
#    stop. That store, with one queued delivery per child (plus any a coordination clock added), is the
#    starting point of every run;
# 2. per run and window: a copy of that store, homebase_sink --expect Q (Q: the deliveries queued), the
#    gateway with the home at the sink and delivery.window: W. The sink times its first POST's arrival to
#    the Qth's answer (the gateway's start-up is outside); the gateway's CPU (utime+stime since its start)
#    and the sink's are read then, and GET /admin/status must show nothing left queued, retrying or dead;
# 3. prints every run, then the median run per window (by deliveries/s).
# Environment (defaults): CHILDREN (10000), WINDOWS ("1 8"), RUNS (3), THREADS (2: gateway io_threads),
# LOAD_CONNECTIONS (16), BENCH_DIR (build/bench: homebase_load, homebase_sink), TEMPLATE, RUN_TIMEOUT (600 s).
# Everything it starts is stopped on exit; every wait is bounded.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
gateway="${1:-$repo/build/gateway/homebase}"
bench_dir="${BENCH_DIR:-$repo/build/bench}"
template="${TEMPLATE:-$repo/tests/fixtures/synthetic/load-template.json}"
children="${CHILDREN:-10000}"
windows="${WINDOWS:-1 8}"
runs="${RUNS:-3}"
threads="${THREADS:-2}"
load_connections="${LOAD_CONNECTIONS:-16}"
run_timeout="${RUN_TIMEOUT:-600}"
[[ "$children" =~ ^[0-9]+$ && "$runs" =~ ^[0-9]+$ && "$threads" =~ ^[0-9]+$ && "$run_timeout" =~ ^[0-9]+$ ]] ||
  { echo "run_delivery.sh: CHILDREN, RUNS, THREADS and RUN_TIMEOUT are whole numbers" >&2; exit 2; }
for w in $windows; do
  [[ "$w" =~ ^[0-9]+$ ]] && (( w >= 1 && w <= 64 )) || { echo "run_delivery.sh: WINDOWS are 1..64" >&2; exit 2; }
done
for f in "$gateway" "$bench_dir/homebase_load" "$bench_dir/homebase_sink"; do
  [[ -x "$f" ]] || { echo "run_delivery.sh: $f is missing (build with -DHOMEBASE_BUILD_BENCH=ON)" >&2; exit 2; }
done
command -v curl >/dev/null || { echo "run_delivery.sh: needs curl" >&2; exit 2; }

work="$(mktemp -d "${TMPDIR:-/tmp}/homebase-delivery.XXXXXX")"
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

# start NAME CMD...: runs CMD in the background, waits up to 20 s for "LISTENING <port>"; sets
# $started_pid and $started_port.
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
  echo "run_delivery.sh: $name did not print LISTENING <port>; its stderr:" >&2
  tail -n 20 "$work/$name.err" >&2
  exit 1
}
stop() {  # stop PID: SIGTERM, wait up to 30 s
  kill -TERM "$1" 2>/dev/null || true
  for _ in $(seq 1 300); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.1; done
  kill -KILL "$1" 2>/dev/null || true
}
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
hz="$(getconf CLK_TCK)"
# status PORT FIELD: a number from GET /admin/status (development mode: no credentials)
status() { curl -sS --max-time 10 "http://127.0.0.1:$1/admin/status" | grep -o "\"$2\":[0-9]*" | head -1 | cut -d: -f2; }

# write_config FILE DB WINDOW HOME_URL
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
  path: $2
delivery:
  window: $3
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
    fhir_base_url: $4
    organization_identifiers:
      - system: http://hl7.org/fhir/sid/us-npi
        value: "1234567893"
YAML
}

# ---------------------------------------------------------------- 1. the queue
echo "== filling a store with $children children (deliveries held)" >&2
write_config "$work/load.yaml" "$work/queued.db" 0 "http://127.0.0.1:9/fhir"
start gateway-load "$gateway" --config "$work/load.yaml"
load_pid="$started_pid"
load_port="$started_port"
timeout --kill-after=5 $(( run_timeout + 30 )) "$bench_dir/homebase_load" --port "$load_port" --template "$template" \
  --connections "$load_connections" --duration "$run_timeout" --warmup 0 --count "$children" >"$work/load.out" || true
grep -E "acknowledged|errors" "$work/load.out" >&2 || true
queued="$(status "$load_port" queued)"
stop "$load_pid"
[[ -n "$queued" && "$queued" -ge "$children" ]] ||
  { echo "run_delivery.sh: $queued deliveries queued, expected at least $children" >&2; cat "$work/load.out" >&2; exit 1; }
echo "== $queued deliveries queued for $children children ($(du -h "$work/queued.db" | cut -f1) store)" >&2

# ---------------------------------------------------------------- 2. the runs
results=()
for run in $(seq 1 "$runs"); do
  for window in $windows; do
    name="w$window-r$run"
    rm -f "$work/run.db"*
    cp "$work/queued.db" "$work/run.db"
    start "sink-$name" "$bench_dir/homebase_sink" --expect "$queued"
    sink_pid="$started_pid"
    write_config "$work/$name.yaml" "$work/run.db" "$window" "http://127.0.0.1:$started_port/fhir"
    start "gateway-$name" "$gateway" --config "$work/$name.yaml"
    gw_pid="$started_pid"
    gw_port="$started_port"
    sink_cpu0="$(cpu_ticks "$sink_pid")"
    line=""
    for _ in $(seq 1 $(( run_timeout * 10 ))); do
      line="$(grep '^{"tool":"homebase_sink"' "$work/sink-$name.out" || true)"
      [[ -n "$line" ]] && break
      sleep 0.1
    done
    [[ -n "$line" ]] || { echo "run_delivery.sh: $name: the sink did not get $queued POSTs in ${run_timeout}s" >&2; exit 1; }
    gw_cpu="$(cpu_ticks "$gw_pid")"
    sink_cpu="$(( $(cpu_ticks "$sink_pid") - sink_cpu0 ))"
    # Every delivery recorded as sent before the figures count (the sink answered; the gateway commits).
    for _ in $(seq 1 100); do
      left="$(( $(status "$gw_port" queued) + $(status "$gw_port" retrying) ))"
      [[ "$left" == 0 ]] && break
      sleep 0.1
    done
    dead="$(status "$gw_port" dead)"
    stop "$gw_pid"
    stop "$sink_pid"
    field() { grep -o "\"$1\":[0-9.]*" <<<"$line" | cut -d: -f2; }
    rate="$(field per_s)"
    seconds="$(field first_to_last_s)"
    connections="$(field connections)"
    gw_us="$(awk -v t="$gw_cpu" -v hz="$hz" -v n="$queued" 'BEGIN { printf "%.0f", t / hz * 1e6 / n }')"
    sink_us="$(awk -v t="$sink_cpu" -v hz="$hz" -v n="$queued" 'BEGIN { printf "%.0f", t / hz * 1e6 / n }')"
    echo "== window $window run $run: $rate deliveries/s ($seconds s, $connections connections, left $left, dead $dead)" >&2
    [[ "$left" == 0 && "$dead" == 0 ]] || { echo "run_delivery.sh: $name left $left undelivered, $dead dead" >&2; exit 1; }
    results+=("$window $run $rate $seconds $gw_us $sink_us $connections")
  done
done

# ---------------------------------------------------------------- 3. report
echo
echo "$children children, $queued deliveries, gateway io_threads $threads"
printf '%-7s %4s %13s %9s %17s %14s %12s\n' window run deliveries/s seconds gateway_cpu_us/d sink_cpu_us/d connections
for r in "${results[@]}"; do
  read -r w n rate s g k c <<<"$r"
  printf '%-7s %4s %13s %9s %17s %14s %12s\n' "$w" "$n" "$rate" "$s" "$g" "$k" "$c"
done
echo "median run per window (by deliveries/s):"
for window in $windows; do
  printf '%s\n' "${results[@]}" | awk -v w="$window" '$1 == w' | sort -k3 -g |
    awk '{ rows[NR] = $0 } END { m = rows[int((NR + 1) / 2)]; split(m, f, " ");
      printf "window %-3s %10s deliveries/s  %7s s  gateway %s us/delivery  sink %s us/delivery\n", f[1], f[3], f[4], f[5], f[6] }'
done
