#!/usr/bin/env bash
# Installs what Homebase needs to build, run and test on Debian 12, idempotently.
# Usage: deploy/install-deps.sh [--test]   (--test adds the test-only tools: npm packages (Node.js >= 20.19
#                                             must be there already: checked first), wrk, systemd-analyze, and
#                                             clang 14 with its sanitizer and libFuzzer runtimes for
#                                             deploy/sanitize.sh and deploy/fuzz.sh)
set -euo pipefail

want_test=0
[[ "${1:-}" == "--test" ]] && want_test=1

packages=(build-essential cmake pkg-config ccache libsystemd-dev
          libboost1.81-dev rapidjson-dev libssl-dev libsqlite3-dev libyaml-cpp-dev libspdlog-dev
          googletest libgtest-dev libbenchmark-dev curl ca-certificates openssl xz-utils
          libcurl4-openssl-dev)  # libcurl (OpenSSL flavour): the secure e-mail channel's SMTP client (gateway/letters/mail_sender)
# Letters (gateway/letters): PDF through cairo + pango; the fonts fontconfig picks per script (Noto Sans for
# Latin and Devanagari, DejaVu as the fallback for anything else).
packages+=(libcairo2-dev libpango1.0-dev fonts-noto-core fonts-dejavu-core)
if (( want_test )); then
  packages+=(wrk)
  # systemd: systemd-analyze verifies deploy/systemd/homebase.service; docker-compose (no engine needed)
  # checks deploy/docker/compose.yaml against the Compose schema (tests/deploy).
  packages+=(systemd docker-compose)
  # prometheus: its promtool checks the gateway's /metrics exposition (tests/integration/metrics_test).
  packages+=(prometheus)
  # clang-14: the sanitizer tree's compiler; libclang-rt-14-dev: libclang_rt.{asan,ubsan_standalone,fuzzer}
  # (only recommended by clang-14); llvm-14: llvm-symbolizer, for symbolized sanitizer stack traces.
  packages+=(clang-14 libclang-rt-14-dev llvm-14)
  # chromium: the real headless browser the console's tests drive (tests/console, npm playwright-core).
  packages+=(chromium)
  # poppler-utils: pdftotext, pdfinfo, pdffonts and pdftoppm read the letters' PDFs back
  # (tests/gateway/letters, the letter integration tests).
  packages+=(poppler-utils)
fi

# The test tools need Node.js >= 20.19 (medplum 4.5.2; tests/tools/package.json). Debian 12's nodejs is 18,
# so it is not installed from apt: say so now rather than fail later in npm or a test.
if (( want_test )); then
  node_version="$(node -p process.versions.node 2>/dev/null || echo none)"
  IFS=. read -r node_major node_minor _ <<<"$node_version.0.0"
  if [[ "$node_version" == none ]] || ! command -v npm >/dev/null 2>&1 ||
     (( node_major < 20 || (node_major == 20 && node_minor < 19) )); then
    echo "install-deps: the test tools need Node.js >= 20.19 with npm (found: node $node_version)." >&2
    echo "  Debian 12's nodejs package is 18, too old. Install Node.js 22 LTS (or 20.19+), for example" >&2
    echo "  the official binaries (https://nodejs.org/en/download: unpack into /usr/local) or NodeSource's" >&2
    echo "  Debian packages (https://github.com/nodesource/distributions), then run this script again." >&2
    exit 1
  fi
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
