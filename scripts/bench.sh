#!/usr/bin/env bash
# `make bench`: builds playtrace (release, wasm-opt) and the OpenTelemetry JS web bundle at the
# versions bench/package-lock.json pins, then runs bench/run.mjs in headless Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

scripts/setup.sh >/dev/null
if [ ! -f bench/node_modules/.package-lock.json ] || [ bench/package-lock.json -nt bench/node_modules/.package-lock.json ]; then
  (cd bench && npm ci --no-audit --no-fund --loglevel=error)
fi
out=target/bench
mkdir -p "$out"
scripts/build-pkg.sh "$out/pkg"
# Both libraries are measured as a game ships them: bundled and minified. playtrace's wasm stays
# a file beside its JS, which finds it with new URL(..., import.meta.url); the inlined copy is a
# chunk of its own, fetched only where that file is missing, so it is not counted.
rm -rf "$out/pt" && mkdir -p "$out/pt"
bench/node_modules/.bin/esbuild bench/pt-entry.mjs --bundle --minify --splitting --format=esm --platform=browser \
  --entry-names=playtrace --chunk-names=chunk-[hash] --log-level=warning --outdir="$out/pt"
cp "$out/pkg/playtrace_wasm_bg.wasm" "$out/pt/"
# The size figure: the entry alone, as a game without sockets ships it.
rm -rf "$out/pt-ship" && mkdir -p "$out/pt-ship"
bench/node_modules/.bin/esbuild bench/pt-ship.mjs --bundle --minify --splitting --format=esm --platform=browser \
  --entry-names=playtrace --chunk-names=chunk-[hash] --log-level=warning --outdir="$out/pt-ship"
for entry in otel otel-ship; do
  src=bench/otel-entry.mjs
  [ "$entry" = otel-ship ] && src=bench/otel-ship.mjs
  bench/node_modules/.bin/esbuild "$src" --bundle --minify --format=iife --platform=browser \
    --define:process.env.NODE_ENV='"production"' --log-level=warning --outfile="$out/$entry.js"
done
node bench/run.mjs "$@"
