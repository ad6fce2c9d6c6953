#!/usr/bin/env bash
# Configures and builds Homebase into ./build (Release with debug info, ccache when present).
# Extra arguments are passed to CMake's configure step, e.g. -DHOMEBASE_WERROR=ON.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${HOMEBASE_BUILD_DIR:-$here/build}"
cmake -S "$here" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
cmake --build "$build" -j"$(nproc)"
