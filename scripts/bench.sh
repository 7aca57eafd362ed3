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
scripts/build-pkg.sh web "$out/pkg"
# Both libraries are measured as a game ships them: bundled and minified. playtrace's wasm stays
# a file beside its JS, which finds it with new URL(..., import.meta.url).
mkdir -p "$out/pt"
bench/node_modules/.bin/esbuild "$out/pkg/playtrace.js" --bundle --minify --format=esm --platform=browser \
  --log-level=warning --outfile="$out/pt/playtrace.js"
cp "$out/pkg/playtrace_bg.wasm" "$out/pt/"
for entry in otel otel-ship; do
  src=bench/otel-entry.mjs
  [ "$entry" = otel-ship ] && src=bench/otel-ship.mjs
  bench/node_modules/.bin/esbuild "$src" --bundle --minify --format=iife --platform=browser \
    --define:process.env.NODE_ENV='"production"' --log-level=warning --outfile="$out/$entry.js"
done
node bench/run.mjs "$@"
