#!/usr/bin/env bash
# Builds the release package into a folder: wasm-pack for the given target (bundler or web),
# then wasm-opt -Oz from the npm package binaryen. Everything that ships to players comes from
# here, so the size test, the bench, the demo and the end-to-end tests measure the same thing.
#   scripts/build-pkg.sh TARGET OUT_DIR
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
target=${1:?target: bundler or web}
out=${2:?output folder}

# Snippets of an earlier build would otherwise linger beside the new ones.
rm -rf "$out/snippets"
wasm-pack --log-level warn build --release --target "$target" --out-dir "$out" >/dev/null
node_modules/.bin/wasm-opt -Oz --strip-debug --strip-producers -o "$out/playtrace_bg.wasm.opt" "$out/playtrace_bg.wasm"
mv "$out/playtrace_bg.wasm.opt" "$out/playtrace_bg.wasm"
