#!/usr/bin/env bash
# Builds what the demo serves: pkg/ (the npm package), www/dist (webpack) and the
# devserver (its own profile, see Cargo.toml). Used by the demo command and by the end-to-end tests.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

scripts/setup.sh >/dev/null
scripts/build-pkg.sh pkg
node_modules/.bin/webpack --config webpack.config.js --no-stats
# A failed build must stop here: serving the previous binary would hide the failure.
if ! cargo build --locked --profile devserver -p playtrace-devserver 2>target/devserver-build.log; then
  cat target/devserver-build.log >&2
  echo "demo: the devserver did not build" >&2
  exit 1
fi
