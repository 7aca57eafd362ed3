#!/usr/bin/env bash
# Builds the npm package into a folder (default pkg/): the engine with cargo and wasm-bindgen
# (web target; the CLI at the version Cargo.lock pins) and wasm-opt -Oz from the npm package
# binaryen, the entry and loader from src/package/, a
# gzipped copy of the wasm for setups that do not emit it (playtrace_inline.js), all of the JS
# minified, the public
# declarations, package.json and the npm README. Everything that ships to players comes from
# here, so the size test, the bench, the demo and every end-to-end test use the same thing.
#   scripts/build-pkg.sh [OUT_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
out=${1:-pkg}

# Files of an earlier build (snippets, an old layout) would otherwise linger beside the new ones.
find "$out" -mindepth 1 -maxdepth 1 ! -name .gitkeep -exec rm -rf {} + 2>/dev/null || true
cargo build --locked --release --target wasm32-unknown-unknown --lib --quiet
# No declarations from the glue: they describe the engine's internals; the package declares its API.
wasm-bindgen --target web --out-name playtrace_wasm --no-typescript --out-dir "$out" \
  target/wasm32-unknown-unknown/release/playtrace.wasm
# --low-memory-unused: Rust never uses the first 1 KiB of memory, so addresses fold into offsets.
node_modules/.bin/wasm-opt -Oz --converge --low-memory-unused --strip-debug --strip-producers -o "$out/playtrace_wasm_bg.wasm.opt" "$out/playtrace_wasm_bg.wasm"
mv "$out/playtrace_wasm_bg.wasm.opt" "$out/playtrace_wasm_bg.wasm"

cp src/package/playtrace.js src/package/load.js src/package/early.js src/package/README.md "$out/"
# WebSocket tracing ships apart (the subpath playtrace/websocket): its module sits beside the
# engine's others, which no Rust code imports it from, and its entry points there. So does
# `debug`'s preflight probe, which boundary.js loads only when it runs.
snippets=$(cd "$out" && dirname snippets/*/src/web/api.js)
cp src/web/websocket.js src/web/preflight.js "$out/$snippets/"
sed "s#\"SNIPPETS/#\"./$snippets/#" src/package/websocket.js >"$out/websocket.js"
# Minified as every bundler would minify them, so a plain page ships the same small files; the
# readable sources are src/package/ and src/web/.
while IFS= read -r js; do
  node_modules/.bin/esbuild "$js" --minify --format=esm --log-level=warning --outfile="$js" --allow-overwrite
done < <(find "$out" -name '*.js')
node scripts/package-files.mjs "$out"
