#!/usr/bin/env bash
# Builds the npm package into a folder (default pkg/): the engine with cargo (the dated nightly
# and options of wasm-toolchain.sh) and wasm-bindgen (web target; the CLI at the version
# Cargo.lock pins) and wasm-opt -Oz from the npm package
# binaryen; the JS bundled and minified into one module for the entry (playtrace.js), one for
# playtrace/websocket and one for `debug`'s texts and preflight probe; a gzipped copy of the wasm for
# setups that do not emit it (playtrace_inline.js); the public declarations, package.json and
# the npm README. Everything that ships to players comes from here, so the size test, the
# bench, the demo and every end-to-end test use the same thing.
#   scripts/build-pkg.sh [OUT_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
out=${1:-pkg}

# Files of an earlier build (an old layout) would otherwise linger beside the new ones.
find "$out" -mindepth 1 -maxdepth 1 ! -name .gitkeep -exec rm -rf {} + 2>/dev/null || true
mkdir -p "$out"
staging=$(mktemp -d)
trap 'rm -rf "$staging"' EXIT
source scripts/wasm-toolchain.sh
wasm_cargo build --locked --release --target wasm32-unknown-unknown -p playtrace-wasm --lib --quiet
# No declarations from the glue: they describe the engine's internals; the package declares its API.
wasm-bindgen --target web --out-name playtrace_wasm --no-typescript --out-dir "$staging" \
  target/wasm32-unknown-unknown/release/playtrace_wasm.wasm
# --low-memory-unused: Rust never uses the first 1 KiB of memory, so addresses fold into offsets.
# Then the control flow is flattened and rebuilt (--flatten --rereloop) and shrunk again: less
# gzipped than -Oz alone (1.1 KB when it came in, 0.5 KB now), with the span path as fast
# (measured in Chromium).
# -ocimfs=15: a function with one caller is inlined into it only if it is small (binaryen's
# default inlines every one): more wasm, but less gzipped, since the code left in functions of
# its own repeats more (12 to 20 all give about the same): 2.1 KB when it came in, 0.6 KB since
# the engine's code shrank (45,501 bytes against 46,103). `init` on a cold page is as quick
# with it, though it leaves more functions to compile on their first call. Measured in Chromium,
# alternating: a span and a nest as fast; writing a batch into a body about 15% slower (664
# against 762 ns a span), which the flush pays, not the frame loop.
node_modules/.bin/wasm-opt -ocimfs=15 -Oz --converge --low-memory-unused --flatten --rereloop -Oz -Oz \
  --strip-debug --strip-producers -o "$out/playtrace_wasm_bg.wasm" "$staging/playtrace_wasm_bg.wasm"

# The JS: the entry with everything it imports in one module, the subpath playtrace/websocket,
# and `debug`'s texts and preflight probe (scripts/bundle-pkg.mjs); the readable sources are src/package/
# and src/web/.
cp src/package/playtrace.js src/package/load.js src/package/early.js src/package/websocket.js src/package/phaser.js "$staging/"
cp src/web/websocket.js src/web/debug.js "$staging"/snippets/*/src/web/
node scripts/bundle-pkg.mjs "$staging" "$out"
cp src/package/README.md "$out/"
node scripts/package-files.mjs "$out"
