#!/usr/bin/env bash
# Measures the practice read-back's load on a medical home with CHILDREN children (bench/README.md, "The
# practice read-back"): the test medical home (tests/tools/medical-home-server.mjs, medplum in memory) is
# seeded with TASKS coordination Tasks per child (bench/read_back_seed.py), then the gateway runs with
# read_back {every: EVERY, max_pages: 1000} for that home and nothing else to do. Two passes are measured:
#   1. the first pass (no high-water mark yet: every Task Homebase wrote there is read);
#   2. a pass after the practice changed CHANGED Tasks (only what changed since the mark is read).
# For each: the pass's own log line (pages, bytes, Tasks, ms: gateway/scheduler/practice_read_back), the
# GET requests the medical home logged, and the CPU time (utime+stime) both processes spent from just before
# the pass to its log line. The Tasks are not in the gateway's index (no child was ever posted), so a pass
# reads, parses, maps (practice_change_from_resource) and looks up every Task but applies nothing: the
# store job per changed child is the child writer's, measured in "Intake speed with everything on".
#
#   bench/run_read_back.sh [GATEWAY_BINARY]          default: build/gateway/homebase
# Environment (defaults): CHILDREN (1000), TASKS (12), CHANGED (10), EVERY (20s); HOME_PORT, HOME_PID and
# HOME_LOG: use a medical home already started with --log=HOME_LOG and seeded (read_back_seed.py seed).
# Everything it starts is stopped on exit; every wait is bounded.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
gateway="${1:-$repo/build/gateway/homebase}"
children="${CHILDREN:-1000}"
tasks="${TASKS:-12}"
changed="${CHANGED:-10}"
every="${EVERY:-20s}"
[[ -x "$gateway" ]] || { echo "run_read_back.sh: $gateway is missing" >&2; exit 2; }
[[ -d "$repo/tests/tools/node_modules" ]] || { echo "run_read_back.sh: run npm ci in tests/tools" >&2; exit 2; }

work="$(mktemp -d "${TMPDIR:-/tmp}/homebase-read-back.XXXXXX")"
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

start() {  # start NAME CMD...: sets started_pid, started_port (waits up to 60 s for LISTENING)
  local name="$1"
  shift
  "$@" >"$work/$name.out" 2>"$work/$name.err" &
  started_pid=$!
  pids+=("$started_pid")
  started_port=""
  for _ in $(seq 1 600); do
    started_port="$(awk '$1 == "LISTENING" { print $2; exit }' "$work/$name.out" 2>/dev/null)"
    [[ -n "$started_port" ]] && return 0
    kill -0 "$started_pid" 2>/dev/null || break
    sleep 0.1
  done
  echo "run_read_back.sh: $name did not print LISTENING <port>" >&2
  tail -n 20 "$work/$name.err" >&2
  exit 1
}
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
hz="$(getconf CLK_TCK)"
passes() { grep -c '"event":"read_back.pass"' "$work/gateway.err" 2>/dev/null || true; }
gets() { grep -c '"method":"GET","path":"/fhir/Task?identifier=' "$work/home.log" 2>/dev/null || true; }
wait_passes() {  # wait_passes N: up to 600 s for the Nth pass's log line
  for _ in $(seq 1 6000); do
    [[ "$(passes)" -ge "$1" ]] && return 0
    sleep 0.1
  done
  echo "run_read_back.sh: no read-back pass $1" >&2
  tail -n 20 "$work/gateway.err" >&2
  exit 1
}

if [[ -n "${HOME_PORT:-}" ]]; then
  # A medical home already started and seeded (HOME_PID, HOME_LOG: its --log file), e.g. while building.
  home_pid="$HOME_PID"
  base="http://127.0.0.1:$HOME_PORT/fhir"
  ln -s "$HOME_LOG" "$work/home.log"
else
  echo "== seeding the medical home with $children children x $tasks Tasks" >&2
  start home node "$repo/tests/tools/medical-home-server.mjs" --port=0 --no-validate --log="$work/home.log"
  home_pid="$started_pid"
  base="http://127.0.0.1:$started_port/fhir"
  python3 "$repo/bench/read_back_seed.py" seed "$base" "$children" "$tasks"
fi

cat >"$work/gateway.yaml" <<YAML
server:
  listen_address: 127.0.0.1
  port: 0
auth: {development_mode: true}
store:
  path: $work/gateway.db
log:
  level: info
medical_homes:
  - id: bench-medical-home
    name: Sunrise Pediatrics (bench)
    fhir_base_url: $base
    organization_identifiers:
      - system: http://hl7.org/fhir/sid/us-npi
        value: "1234567893"
    read_back:
      every: $every
      max_pages: 1000
YAML

measure() {  # measure LABEL N: the Nth pass, CPU from now until its log line
  local label="$1" n="$2" g0 h0 r0 g1 h1 r1 line
  g0="$(cpu_ticks "$gateway_pid")"; h0="$(cpu_ticks "$home_pid")"; r0="$(gets)"
  wait_passes "$n"
  g1="$(cpu_ticks "$gateway_pid")"; h1="$(cpu_ticks "$home_pid")"; r1="$(gets)"
  line="$(grep '"event":"read_back.pass"' "$work/gateway.err" | sed -n "${n}p" | sed 's/.*"detail":"\([^"]*\)".*/\1/')"
  printf '%s: %s; GET requests %d; CPU gateway %d ms, medical home %d ms\n' "$label" "$line" $(( r1 - r0 )) \
    $(( (g1 - g0) * 1000 / hz )) $(( (h1 - h0) * 1000 / hz ))
}

start gateway "$gateway" --config "$work/gateway.yaml"
gateway_pid="$started_pid"
# The first pass starts with the gateway; its CPU counts from the gateway's start.
g_start=0
h_before="$(cpu_ticks "$home_pid")"
wait_passes 1
g1="$(cpu_ticks "$gateway_pid")"; h1="$(cpu_ticks "$home_pid")"
line="$(grep '"event":"read_back.pass"' "$work/gateway.err" | sed -n 1p | sed 's/.*"detail":"\([^"]*\)".*/\1/')"
printf 'first pass (%d children, %d Tasks): %s; GET requests %d; CPU gateway %d ms (incl. start-up), medical home %d ms\n' \
  "$children" $(( children * tasks )) "$line" "$(gets)" $(( (g1 - g_start) * 1000 / hz )) $(( (h1 - h_before) * 1000 / hz ))

python3 "$repo/bench/read_back_seed.py" change "$base" "$changed"
measure "pass after $changed changes" 2
measure "quiet pass (nothing changed)" 3
