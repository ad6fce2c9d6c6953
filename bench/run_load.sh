#!/usr/bin/env bash
# Measures the gateway against the minimal durable harness, in one run, on 127.0.0.1 (bench/README.md).
#
#   bench/run_load.sh [GATEWAY_BINARY]          default: build/gateway/homebase
#
# 1. starts homebase_harness (port 0, temp DB) and runs homebase_load against it;
# 2. starts the gateway with a temp config (see CONFIG below) and runs the same load, authenticated as
#    AUTH says;
# 3. prints msgs/s, p50/p99/max latency, errors, peak RSS (VmHWM) and CPU per message for both, and
#    the ratio gateway/harness.
# AUTH (how the load authenticates; the partner st-elsewhere-nicu sends every message):
#   dev      auth.development_mode: plain HTTP, no credentials (the partner is the one the message names)
#   token    SMART Backend Services: the partner's JWKS (tests/fixtures/auth/st-elsewhere-nicu.jwks.json);
#            one access token from POST /auth/token (tests/tools/smart-client.mjs, npm jose), sent as
#            "Authorization: Bearer" on every request and checked by the gateway on every request
#   mtls     HTTPS with a client certificate: a throw-away CA, server certificate (IP 127.0.0.1) and client
#            certificate made with openssl in the temp dir; the partner is bound to the client
#            certificate's SHA-256 fingerprint
#   compare  dev, token and mtls one after the other (a fresh gateway and store each, no harness unless
#            HARNESS=yes), then the ratios token/dev and mtls/dev
# METRICS (issue 13: what /metrics costs on intake; AUTH=dev):
#   on       metrics.enabled: true (the default), nothing scrapes
#   off      metrics.enabled: false: the hot path records nothing
#   compare  ROUNDS (3) pairs of runs, off then on, each with a fresh gateway and store; during the "on" runs
#            /metrics is scraped every SCRAPE_EVERY (1) s; prints each run, the medians of msgs/s, p99 and
#            CPU/msg per variant, and their ratio on/off. No harness unless HARNESS=yes.
# PURGE (issue 13 item 4: what the retention purge costs intake; AUTH=dev):
#   off      (default) the gateway's default retention; the load's messages are never old enough to purge
#   compare  fills a store once with PURGE_MESSAGES (10000) messages delivered 100 days ago (38 KB bodies, one
#            attempt each; build/bench/homebase_retention_fill), then ROUNDS (3) pairs of runs, each gateway on
#            a fresh copy of it: "off" with retention.enabled: false, "on" with the default retention (90 days),
#            so that the purge deletes those bodies and attempts in batches (purge_batch 200, 100 ms apart)
#            while the load runs; prints each run, the medians of msgs/s, p99 and CPU/msg per variant, their
#            ratio on/off, and the rows each "on" run purged (homebase_purged_total). No harness.
# LOG_LEVEL (info): the gateway's log.level (info writes two lines per message: http.request and
#            message.accepted).
# Environment (defaults): AUTH (dev), HARNESS (yes; compare: no), BENCH_DIR (build/bench: homebase_load +
# homebase_harness), TEMPLATE (tests/fixtures/synthetic/load-template.json), CONNECTIONS (64), DURATION
# (10 s), WARMUP (2 s), THREADS (2: harness threads = gateway io_threads), MEDICAL_HOME (none|node, see
# CONFIG), NODE (node). The token lives at most 300 s (the gateway's cap), so token runs need
# WARMUP + DURATION <= 240.
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
auth="${AUTH:-dev}"
node="${NODE:-node}"
metrics="${METRICS:-on}"
rounds="${ROUNDS:-3}"
scrape_every="${SCRAPE_EVERY:-1}"
log_level="${LOG_LEVEL:-info}"
purge="${PURGE:-off}"
purge_messages="${PURGE_MESSAGES:-10000}"
retention_yaml=""   # more YAML for the gateway's config (PURGE runs)
store_file=""       # the gateway's store when not the fresh default (PURGE runs)
case "$purge" in
  off) ;;
  compare)
    [[ "$auth" == dev && "$metrics" != compare ]] ||
      { echo "run_load.sh: PURGE=compare runs with AUTH=dev and without METRICS=compare" >&2; exit 2; }
    [[ "$purge_messages" =~ ^[1-9][0-9]*$ ]] || { echo "run_load.sh: PURGE_MESSAGES is a positive whole number" >&2; exit 2; }
    [[ -x "$bench_dir/homebase_retention_fill" ]] ||
      { echo "run_load.sh: PURGE=compare needs $bench_dir/homebase_retention_fill" >&2; exit 2; }
    harness="${HARNESS:-no}" ;;
  *) echo "run_load.sh: PURGE must be off or compare, not '$purge'" >&2; exit 2 ;;
esac
case "$metrics" in
  on | off) ;;
  compare)
    [[ "$auth" == dev ]] || { echo "run_load.sh: METRICS=compare runs with AUTH=dev" >&2; exit 2; }
    harness="${HARNESS:-no}" ;;
  *) echo "run_load.sh: METRICS must be on, off or compare, not '$metrics'" >&2; exit 2 ;;
esac
[[ "$rounds" =~ ^[1-9][0-9]*$ ]] || { echo "run_load.sh: ROUNDS is a positive whole number" >&2; exit 2; }
case "$auth" in
  dev | token | mtls) modes=("$auth"); harness="${harness:-${HARNESS:-yes}}" ;;
  compare) modes=(dev token mtls); harness="${HARNESS:-no}" ;;
  *) echo "run_load.sh: AUTH must be dev, token, mtls or compare, not '$auth'" >&2; exit 2 ;;
esac
[[ "$harness" == yes || "$harness" == no ]] || { echo "run_load.sh: HARNESS must be yes or no" >&2; exit 2; }
[[ "$duration" =~ ^[0-9]+$ && "$warmup" =~ ^[0-9]+$ && "$connections" =~ ^[0-9]+$ ]] ||
  { echo "run_load.sh: DURATION, WARMUP and CONNECTIONS are whole numbers" >&2; exit 2; }
if [[ " ${modes[*]} " == *" token "* ]] && (( warmup + duration > 240 )); then
  echo "run_load.sh: AUTH=$auth: WARMUP + DURATION must be <= 240 s (an access token lives at most 300 s)" >&2
  exit 2
fi
fixtures="$repo/tests/fixtures/auth"

needed=("$gateway" "$bench_dir/homebase_load")
[[ "$harness" == yes ]] && needed+=("$bench_dir/homebase_harness")
for f in "${needed[@]}"; do
  [[ -x "$f" ]] || { echo "run_load.sh: $f is missing or not executable (build with -DHOMEBASE_BUILD_BENCH=ON)" >&2; exit 2; }
done
[[ -r "$template" ]] || { echo "run_load.sh: cannot read template $template" >&2; exit 2; }
if [[ " ${modes[*]} " == *" token "* ]]; then
  for f in "$fixtures/st-elsewhere-nicu.pem" "$fixtures/st-elsewhere-nicu.jwks.json" "$repo/tests/tools/smart-client.mjs"; do
    [[ -r "$f" ]] || { echo "run_load.sh: AUTH=$auth needs $f" >&2; exit 2; }
  done
  [[ -d "$repo/tests/tools/node_modules/jose" ]] ||
    { echo "run_load.sh: AUTH=$auth needs npm jose: (cd tests/tools && npm ci)" >&2; exit 2; }
fi
if [[ " ${modes[*]} " == *" mtls "* ]]; then
  command -v openssl >/dev/null || { echo "run_load.sh: AUTH=$auth needs the openssl command" >&2; exit 2; }
fi

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

# measure NAME PID PORT [DRIVER_ARGS...]: runs the load (DRIVER_ARGS added to homebase_load's, e.g.
# --header or --tls; never echoed, they may hold a token), then records the figures of NAME in
# $work/NAME.result
measure() {
  local name="$1" pid="$2" port="$3" cpu0 cpu1 hz
  shift 3
  hz="$(getconf CLK_TCK)"
  cpu0="$(cpu_ticks "$pid")"
  echo "== $name (pid $pid, port $port): $connections connections, ${warmup}s warm-up + ${duration}s" >&2
  timeout --kill-after=5 "$(( ${duration%.*} + ${warmup%.*} + 30 ))" \
    "$bench_dir/homebase_load" --port "$port" --template "$template" --connections "$connections" \
    --duration "$duration" --warmup "$warmup" --path '/fhir/$process-message' "$@" >"$work/$name.load" || true
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
rows=()
if [[ "$harness" == yes ]]; then
  start harness "$bench_dir/homebase_harness" --db "$work/harness.db" --port 0 --threads "$threads"
  harness_pid="$started_pid"
  measure harness "$harness_pid" "$started_port"
  stop "$harness_pid"
  rm -f "$work"/harness.db*
  rows+=(harness)
fi

# ---------------------------------------------------------------- 2. gateway
# mtls: a CA, the server's certificate (IP 127.0.0.1) and the partner's client certificate, valid one day,
# made here and removed on exit. Sets $client_fingerprint (SHA-256, lower-case hex).
make_pki() {
  local pki="$work/pki"
  mkdir -p "$pki"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj "/CN=Homebase bench CA" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -keyout "$pki/ca.key" -out "$pki/ca.pem" 2>"$pki/openssl.err"
  local who
  for who in server client; do
    openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=homebase-bench-$who" \
      -keyout "$pki/$who.key" -out "$pki/$who.csr" 2>>"$pki/openssl.err"
  done
  printf '%s\n' "basicConstraints=critical,CA:FALSE" "keyUsage=critical,digitalSignature" \
    "extendedKeyUsage=serverAuth" "subjectAltName=IP:127.0.0.1" >"$pki/server.ext"
  printf '%s\n' "basicConstraints=critical,CA:FALSE" "keyUsage=critical,digitalSignature" \
    "extendedKeyUsage=clientAuth" >"$pki/client.ext"
  for who in server client; do
    openssl x509 -req -in "$pki/$who.csr" -CA "$pki/ca.pem" -CAkey "$pki/ca.key" -CAcreateserial -days 1 \
      -sha256 -extfile "$pki/$who.ext" -out "$pki/$who.pem" 2>>"$pki/openssl.err"
  done
  client_fingerprint="$(openssl x509 -in "$pki/client.pem" -noout -fingerprint -sha256 | cut -d= -f2 | tr -d : |
    tr 'A-F' 'a-f')"
  [[ "$client_fingerprint" =~ ^[0-9a-f]{64}$ ]] ||
    { echo "run_load.sh: could not make the mtls certificates:" >&2; cat "$pki/openssl.err" >&2; exit 1; }
}

# ======================== CONFIG (gateway engineer: adjust keys to config/homebase.example.yaml) =======
# The medical home is either "none" (a closed loopback port: deliveries fail and back off, so the run
# measures intake + durable ACK only) or "node" (tests/tools/medical-home-server.mjs, needs `npm ci` in
# tests/tools; it competes for the same 2 CPUs). It is started once and shared by every gateway run.
# The limiters (the partner's rate_limit, server.per_address_rate) are off: they would throttle the load.
medical_home_url="http://127.0.0.1:9/fhir"
if [[ "$medical_home" == "node" ]]; then
  start medical-home "$node" "$repo/tests/tools/medical-home-server.mjs" --port=0
  medical_home_url="http://127.0.0.1:$started_port/fhir"
fi
per_address_connections=$(( connections + 16 > 256 ? connections + 16 : 256 ))

# write_config MODE FILE [METRICS_ENABLED]: the gateway's configuration for AUTH mode MODE, store in
# $work/gateway-MODE.db; metrics.enabled as given (default: METRICS is not off)
write_config() {
  local mode="$1" file="$2" tls="" auth_block partner_credentials=""
  local metrics_enabled="${3:-$([[ "$metrics" == off ]] && echo false || echo true)}"
  case "$mode" in
    dev)
      auth_block="auth: {development_mode: true}" ;;
    token)
      auth_block="auth: {development_mode: false, token_lifetime: 300s}"
      partner_credentials="    jwks_file: $fixtures/st-elsewhere-nicu.jwks.json" ;;
    mtls)
      auth_block="auth: {development_mode: false}"
      tls="  tls:
    certificate_file: $work/pki/server.pem
    private_key_file: $work/pki/server.key
    client_ca_file: $work/pki/ca.pem"
      partner_credentials="    certificates: [{sha256: \"$client_fingerprint\"}]" ;;
  esac
  cat >"$file" <<YAML
server:
  listen_address: 127.0.0.1
  port: 0
  io_threads: $threads
  body_limit_bytes: 8388608
  max_connections: $(( per_address_connections + 64 ))
  max_connections_per_address: $per_address_connections
  per_address_rate: {per_second: 0}
$tls
$auth_block
store:
  path: ${store_file:-$work/gateway-$mode.db}
  max_batch: 256
$retention_yaml
metrics:
  enabled: $metrics_enabled
log:
  level: $log_level
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
    rate_limit: {per_second: 0}
$partner_credentials
medical_homes:
  - id: bench-medical-home
    name: Sunrise Pediatrics (bench)
    fhir_base_url: $medical_home_url
    organization_identifiers:
      - system: http://hl7.org/fhir/sid/us-npi
        value: "1234567893"
    patients: []
YAML
}
# ======================== end of CONFIG ================================================================

# run_gateway MODE ROW [METRICS_ENABLED [SCRAPE]]: a fresh gateway (config, store) for MODE, the load as MODE
# authenticates, its figures in $work/ROW.result; SCRAPE=yes: GET /metrics every $scrape_every s meanwhile
run_gateway() {
  local mode="$1" row="$2" port pid driver_args=() scraper=""
  write_config "$mode" "$work/homebase-$mode.yaml" "${3:-}"
  start "gateway-$mode" "$gateway" --config "$work/homebase-$mode.yaml"
  pid="$started_pid"
  port="$started_port"
  if [[ "${4:-no}" == yes ]]; then
    (while kill -0 "$pid" 2>/dev/null; do
       curl -s -o "$work/scrape.txt" "http://127.0.0.1:$port/metrics" || true
       sleep "$scrape_every"
     done) &
    scraper=$!
    pids+=("$scraper")
  fi
  case "$mode" in
    token)
      local token
      if ! token="$(cd "$repo/tests/tools" && timeout 30 "$node" smart-client.mjs token \
          --key "$fixtures/st-elsewhere-nicu.pem" --alg RS384 --kid st-elsewhere-nicu-test-1 \
          --client-id st-elsewhere-nicu --token-url "http://127.0.0.1:$port/auth/token" \
          --scope "system/Bundle.c" 2>"$work/token.err")" || [[ -z "$token" ]]; then
        echo "run_load.sh: no access token from the gateway:" >&2
        cat "$work/token.err" >&2
        exit 1
      fi
      driver_args=(--header "Authorization: Bearer $token") ;;
    mtls)
      driver_args=(--tls --ca "$work/pki/ca.pem" --cert "$work/pki/client.pem" --key "$work/pki/client.key") ;;
  esac
  measure "$row" "$pid" "$port" "${driver_args[@]}"
  if [[ "$purge" == compare ]]; then  # what the purge deleted while the load ran (development mode: no credentials)
    curl -s --max-time 10 "http://127.0.0.1:$port/metrics" | awk '
      /^homebase_purged_total\{kind="message_body"\}/ { b = $2 } /^homebase_purged_total\{kind="attempt"\}/ { a = $2 }
      END { printf "%d %d\n", b, a }' >"$work/$row.purged"
  fi
  [[ -n "$scraper" ]] && kill -TERM "$scraper" 2>/dev/null || true
  stop "$pid"
  rm -f "$work/gateway-$mode.db"*
  rows+=("$row")
}

[[ " ${modes[*]} " == *" mtls "* ]] && make_pki
if [[ "$purge" == compare ]]; then
  echo "== filling a store with $purge_messages messages delivered 100 days ago" >&2
  "$bench_dir/homebase_retention_fill" --db "$work/filled.db" --messages "$purge_messages" >&2
  "$bench_dir/homebase_retention_fill" --report "$work/filled.db" --messages "$purge_messages" >&2
  for r in $(seq 1 "$rounds"); do
    for variant in off on; do
      rm -f "$work/purge-run.db"*
      cp "$work/filled.db" "$work/purge-run.db"
      store_file="$work/purge-run.db"
      if [[ "$variant" == off ]]; then retention_yaml="retention: {enabled: false}"; else retention_yaml=""; fi
      run_gateway dev "$variant-$r"
      rm -f "$work/purge-run.db"*
    done
  done
elif [[ "$metrics" == compare ]]; then
  for r in $(seq 1 "$rounds"); do
    run_gateway dev "off-$r" false no
    run_gateway dev "on-$r" true yes
  done
else
  for mode in "${modes[@]}"; do
    if [[ "$auth" == compare ]]; then run_gateway "$mode" "$mode"; else run_gateway "$mode" gateway; fi
  done
fi

# ---------------------------------------------------------------- 3. report
echo
echo "AUTH=$auth"
printf '%-8s %10s %8s %8s %8s %7s %13s %12s\n' target msgs/s p50_ms p99_ms max_ms errors peak_RSS_MiB cpu_us/msg
for name in "${rows[@]}"; do
  read -r n rate p50 p99 max errors rss cpu <"$work/$name.result"
  printf '%-8s %10s %8s %8s %8s %7s %13s %12s\n' "$n" "$rate" "$p50" "$p99" "$max" "$errors" "$rss" "$cpu"
done
# ratio A B LABEL: msgs/s, p99 and CPU/msg of row A over row B
ratio() {
  local a_rate a_p99 a_rss a_cpu b_rate b_p99 b_rss b_cpu
  read -r _ a_rate _ a_p99 _ _ a_rss a_cpu <"$work/$1.result"
  read -r _ b_rate _ b_p99 _ _ b_rss b_cpu <"$work/$2.result"
  awk -v label="$3" -v ar="$a_rate" -v br="$b_rate" -v ap="$a_p99" -v bp="$b_p99" -v am="$a_rss" \
    -v bm="$b_rss" -v ac="$a_cpu" -v bc="$b_cpu" 'BEGIN {
    printf "ratio %s: msgs/s %.2f, p99 %.2f, peak RSS %.2f, CPU/msg %.2f\n", label,
      (br > 0 ? ar / br : 0), (bp > 0 ? ap / bp : 0), (bm > 0 ? am / bm : 0), (bc > 0 ? ac / bc : 0)
  }'
}
# median VARIANT FIELD: the median of column FIELD (2 msgs/s, 4 p99, 8 CPU/msg) over the rounds of VARIANT
median() {
  local r
  for r in $(seq 1 "$rounds"); do awk -v f="$2" '{ print $f }' "$work/$1-$r.result"; done | sort -g |
    awk '{ v[NR] = $1 } END { print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'
}
if [[ "$metrics" == compare || "$purge" == compare ]]; then
  echo
  if [[ "$purge" == compare ]]; then
    for r in $(seq 1 "$rounds"); do
      read -r b a <"$work/on-$r.purged"
      echo "on-$r: the purge deleted $b message bodies and $a attempts during the run (of $purge_messages each)"
    done
    printf '%-8s %10s %8s %12s   (medians of %s rounds; on: the purge running)\n' variant msgs/s p99_ms \
      cpu_us/msg "$rounds"
  else
    printf '%-8s %10s %8s %12s   (medians of %s rounds; on: /metrics scraped every %s s)\n' variant msgs/s p99_ms \
      cpu_us/msg "$rounds" "$scrape_every"
  fi
  for v in off on; do
    printf '%-8s %10s %8s %12s\n' "$v" "$(median "$v" 2)" "$(median "$v" 4)" "$(median "$v" 8)"
  done
  awk -v a="$(median on 2)" -v b="$(median off 2)" -v ap="$(median on 4)" -v bp="$(median off 4)" \
    -v ac="$(median on 8)" -v bc="$(median off 8)" 'BEGIN {
    printf "ratio on/off: msgs/s %.3f, p99 %.3f, CPU/msg %.3f\n", (b > 0 ? a / b : 0), (bp > 0 ? ap / bp : 0),
      (bc > 0 ? ac / bc : 0) }'
elif [[ "$auth" == compare ]]; then
  ratio token dev "token/dev"
  ratio mtls dev "mtls/dev"
  if [[ "$harness" == yes ]]; then ratio dev harness "dev/harness"; fi
elif [[ "$harness" == yes ]]; then
  ratio gateway harness "gateway/harness"
fi
