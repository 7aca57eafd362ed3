#!/usr/bin/env bash
# `make devserver ORIGIN=http://localhost:5173`: the dev backend on its own, for any game. It
# receives OTLP/HTTP and Zipkin, stores spans in SQLite and serves the viewer, answering CORS for
# the game's origin(s) (comma-separated). Prints the endpoint to pass to init.
#   PLAYTRACE_ADDR (default 127.0.0.1:4318), PLAYTRACE_DB (default playtrace-dev.sqlite)
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

mkdir -p target
if ! cargo build --locked --profile devserver -p playtrace-devserver 2>target/devserver-build.log; then
  cat target/devserver-build.log >&2
  echo "devserver: the devserver did not build" >&2
  exit 1
fi
args=(--addr "${PLAYTRACE_ADDR:-127.0.0.1:4318}" --db "${PLAYTRACE_DB:-playtrace-dev.sqlite}")
IFS=',' read -ra origins <<<"${ORIGIN:-}"
for origin in "${origins[@]}"; do
  [ -n "$origin" ] && args+=(--allow-origin "$origin")
done
exec target/devserver/playtrace-devserver "${args[@]}"
