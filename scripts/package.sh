#!/usr/bin/env bash
# `make package`: builds the npm package into pkg/ and packs it (npm pack) into target/package/.
# Prints the tarball's path on the last line.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

scripts/setup.sh >/dev/null
scripts/build-pkg.sh pkg
mkdir -p target/package
rm -f target/package/*.tgz
name=$(npm pack ./pkg --pack-destination target/package --loglevel=error | tail -1)
echo "target/package/$name"
