#!/usr/bin/env bash
# Command (a): install what is missing, build, and run the gateway with config/homebase.example.yaml
# (plain HTTP on 127.0.0.1:8080, embedded SQLite store next to the config). Ctrl-C stops it cleanly.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$here/deploy/install-deps.sh"
"$here/deploy/build.sh" -DHOMEBASE_BUILD_TESTS=OFF -DHOMEBASE_BUILD_BENCH=OFF
exec "${HOMEBASE_BUILD_DIR:-$here/build}/gateway/homebase" --config "${1:-$here/config/homebase.example.yaml}"
