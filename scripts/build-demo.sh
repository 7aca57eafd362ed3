#!/usr/bin/env bash
# Builds what the demo serves: pkg/ (wasm-pack, bundler target), www/dist (webpack) and the
# release devserver. Used by the demo command and by the end-to-end tests.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

scripts/setup.sh >/dev/null
wasm-pack --log-level warn build --release --target bundler --out-dir pkg >/dev/null
node_modules/.bin/wasm-opt -Oz --strip-debug --strip-producers -o pkg/playtrace_bg.wasm pkg/playtrace_bg.wasm
node_modules/.bin/webpack --config webpack.config.js --no-stats
cargo build --locked --release -p playtrace-devserver 2>&1 | grep -vE '^\s+(Compiling|Finished|Building)' || true
[ -x target/release/playtrace-devserver ] || { echo "demo: the devserver did not build" >&2; exit 1; }
