#!/usr/bin/env bash
# The main job: builds playtrace's wasm, the demo game (webpack) and the devserver, then serves
# the game, its API and the trace viewer. Ctrl-C stops it cleanly.
#   PLAYTRACE_ADDR (default 127.0.0.1:8080), PLAYTRACE_DB (default playtrace-dev.sqlite)
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

scripts/build-demo.sh
exec target/devserver/playtrace-devserver --game www/dist \
  --addr "${PLAYTRACE_ADDR:-127.0.0.1:8080}" --db "${PLAYTRACE_DB:-playtrace-dev.sqlite}"
