#!/usr/bin/env bash
# Builds the release package (what ships to every player) and reports its size gzipped, as the
# browser downloads it. Fails if the wasm contains serde_json or `format!`, or if wasm plus JS
# glue, gzipped, is over the budget. Sizes are deterministic for a given toolchain.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

# Gzipped bytes of wasm + JS glue allowed; raise it only with a reason in the commit message.
BUDGET_GZ=${PLAYTRACE_SIZE_BUDGET_GZ:-102000}

wasm-pack --log-level warn build --release --target bundler --out-dir pkg >/dev/null
wasm=pkg/playtrace_bg.wasm

# The unoptimised build still has its name section: serde_json must not be linked at all.
if strings "$wasm" | grep -q 'serde_json'; then
  echo "size: serde_json is linked into the wasm; the build path must not use it" >&2
  exit 1
fi
# Our own code uses small writers, never format! (serde-wasm-bindgen formats its own error
# messages, which is its business). Test modules, at the end of each file, are skipped.
offenders=$(awk 'FNR == 1 { in_test = 0 } /^#\[cfg\(test\)\]/ { in_test = 1 } !in_test && /format!\(/ { print FILENAME ":" FNR }' $(find src -name '*.rs'))
if [ -n "$offenders" ]; then
  echo "size: format! in the wasm build path: $offenders" >&2
  exit 1
fi

node_modules/.bin/wasm-opt -Oz --strip-debug --strip-producers -o "$wasm.opt" "$wasm"
mv "$wasm.opt" "$wasm"

gz() { gzip -9 -n -c "$1" | wc -c; }
total=0
printf '%-22s %9s %9s\n' "file" "bytes" "gzip -9"
for f in "$wasm" pkg/playtrace_bg.js pkg/playtrace.js; do
  raw=$(wc -c <"$f")
  g=$(gz "$f")
  total=$((total + g))
  printf '%-22s %9d %9d\n' "$(basename "$f")" "$raw" "$g"
done
printf '%-22s %9s %9d  (budget %d)\n' "total shipped" "" "$total" "$BUDGET_GZ"
if [ "$total" -gt "$BUDGET_GZ" ]; then
  echo "size: $total gzipped bytes is over the budget of $BUDGET_GZ" >&2
  exit 1
fi
