#!/usr/bin/env bash
# Installs what Homebase needs to build, run and test on Debian 12, idempotently.
# Usage: deploy/install-deps.sh [--test]   (--test adds the test-only tools: Node.js/npm packages, wrk, and
#                                             clang 14 with its sanitizer and libFuzzer runtimes for
#                                             deploy/sanitize.sh and deploy/fuzz.sh)
set -euo pipefail

want_test=0
[[ "${1:-}" == "--test" ]] && want_test=1

packages=(build-essential cmake pkg-config ccache
          libboost1.81-dev rapidjson-dev libssl-dev libsqlite3-dev libyaml-cpp-dev libspdlog-dev
          googletest libgtest-dev libbenchmark-dev curl ca-certificates openssl xz-utils)
if (( want_test )); then
  packages+=(wrk)
  # prometheus: its promtool checks the gateway's /metrics exposition (tests/integration/metrics_test).
  packages+=(prometheus)
  # clang-14: the sanitizer tree's compiler; libclang-rt-14-dev: libclang_rt.{asan,ubsan_standalone,fuzzer}
  # (only recommended by clang-14); llvm-14: llvm-symbolizer, for symbolized sanitizer stack traces.
  packages+=(clang-14 libclang-rt-14-dev llvm-14)
  # chromium: the real headless browser the console's tests drive (tests/console, npm playwright-core).
  packages+=(chromium)
  command -v node >/dev/null 2>&1 || packages+=(nodejs npm)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done

if (( ${#missing[@]} )); then
  sudo_cmd=""
  [[ $(id -u) -ne 0 ]] && sudo_cmd="sudo"
  echo "install-deps: installing ${missing[*]}"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "install-deps: all Debian packages present"
fi

if (( want_test )); then
  here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
  tools="$here/tests/tools"
  if [[ -f "$tools/package.json" ]]; then
    if [[ ! -d "$tools/node_modules" || "$tools/package-lock.json" -nt "$tools/node_modules" ]]; then
      echo "install-deps: npm ci in tests/tools"
      (cd "$tools" && npm ci --no-audit --no-fund --loglevel=error)
      touch "$tools/node_modules"
    fi
  fi
fi
