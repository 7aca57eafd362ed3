#!/usr/bin/env bash
# Compiles the README's TypeScript example with tsc --strict against the generated pkg/ types,
# so the documented API and the shipped declarations cannot drift apart.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f pkg/playtrace.d.ts ] || { echo "types: pkg/ is not built (run scripts/size.sh first)" >&2; exit 1; }
dir=target/readme-example
mkdir -p "$dir"
awk '/^```ts$/ { on = 1; next } /^```$/ && on { exit } on { print }' README.md >"$dir/example.ts"
[ -s "$dir/example.ts" ] || { echo "types: README.md has no \`\`\`ts example" >&2; exit 1; }
cat >"$dir/tsconfig.json" <<JSON
{
  "compilerOptions": {
    "strict": true, "noEmit": true, "target": "es2022", "module": "esnext",
    "moduleResolution": "bundler", "lib": ["es2022", "esnext.disposable", "dom"], "types": [],
    "paths": { "playtrace": ["../../pkg/playtrace"] }
  },
  "files": ["example.ts"]
}
JSON
node_modules/.bin/tsc -p "$dir/tsconfig.json"
echo "types: the README example compiles against pkg/playtrace.d.ts ($(wc -l <"$dir/example.ts") lines)"
