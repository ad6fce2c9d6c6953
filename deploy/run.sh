#!/usr/bin/env bash
# Command (a): install what is missing, build, and run the gateway with config/homebase.example.yaml
# (plain HTTP on 127.0.0.1:8080). The embedded SQLite store goes to ./var/homebase.db at the repository
# root (git-ignored), outside the source tree's files; HOMEBASE_STORE_PATH chooses another. Ctrl-C stops it
# cleanly.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$here/deploy/install-deps.sh"
"$here/deploy/build.sh" -DHOMEBASE_BUILD_TESTS=OFF -DHOMEBASE_BUILD_BENCH=OFF
export HOMEBASE_STORE_PATH="${HOMEBASE_STORE_PATH:-$here/var/homebase.db}"
mkdir -p "$(dirname "$HOMEBASE_STORE_PATH")"
exec "${HOMEBASE_BUILD_DIR:-$here/build}/gateway/homebase" --config "${1:-$here/config/homebase.example.yaml}"
