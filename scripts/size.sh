#!/usr/bin/env bash
# Builds the release package (what ships to every player) and checks its size, gzip -9, as the
# browser downloads it: the wasm, the entry, loader, JS glue and snippets together. The inlined
# copy of the wasm (playtrace_inline.js) is shown apart: a game downloads it instead of the .wasm
# file only where its setup does not emit that file. Fails if the wasm
# contains serde_json or our code uses `format!`, or if the total is over the budget. Sizes are
# deterministic for a given toolchain.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

# Gzipped bytes of everything shipped; lowered as the package shrinks, never raised. 113,372
# when set: string slicing that cannot panic took `core::fmt`'s slice-error formatting out of
# the module (4 KB); 116,351 before, with honest delivery in; 117,303 before that.
BUDGET_GZ=${PLAYTRACE_SIZE_BUDGET_GZ:-113400}

# Our own code uses small writers, never format! (it pulls in core::fmt). Test modules, at the
# end of each file, are skipped.
offenders=$(awk 'FNR == 1 { in_test = 0 } /^#\[cfg\(test\)\]/ { in_test = 1 } !in_test && /format!\(/ { print FILENAME ":" FNR }' $(find src -name '*.rs'))
if [ -n "$offenders" ]; then
  echo "size: format! in the wasm build path: $offenders" >&2
  exit 1
fi

scripts/build-pkg.sh pkg
# wasm-opt strips the name section, so look for serde_json in the unoptimised build's names.
if strings target/wasm32-unknown-unknown/release/playtrace.wasm | grep -q 'serde_json'; then
  echo "size: serde_json is linked into the wasm; the build path must not use it" >&2
  exit 1
fi

gz() { gzip -9 -n -c "$1" | wc -c; }
total=0
printf '%-44s %9s %9s\n' "file" "bytes" "gzip -9"
while IFS= read -r f; do
  raw=$(wc -c <"$f")
  g=$(gz "$f")
  total=$((total + g))
  printf '%-44s %9d %9d\n' "${f#pkg/}" "$raw" "$g"
done < <(find pkg \( -name '*.wasm' -o -name '*.js' \) ! -name playtrace_inline.js | sort)
printf '%-44s %9s %9d  (budget %d)\n' "total shipped" "" "$total" "$BUDGET_GZ"
printf '%-44s %9d %9d  (instead of the .wasm where a setup does not emit it)\n' "playtrace_inline.js" \
  "$(wc -c <pkg/playtrace_inline.js)" "$(gz pkg/playtrace_inline.js)"
if [ "$total" -gt "$BUDGET_GZ" ]; then
  echo "size: $total gzipped bytes is over the budget of $BUDGET_GZ" >&2
  exit 1
fi
