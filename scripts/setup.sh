#!/usr/bin/env bash
# Installs what the build and the tests need, and nothing that is already there: the wasm32
# target, the dated nightly the shipped wasm is built with, wasm-bindgen-cli at the exact version
# Cargo.lock pins, Debian's Chromium, and the npm packages. Safe to run again; fast when
# everything is installed.
set -euo pipefail
cd "$(dirname "$0")/.."

have() { command -v "$1" >/dev/null 2>&1; }
step() { printf '== setup: %s\n' "$*"; }

for tool in cargo rustup node npm go; do
  have "$tool" || { echo "setup: $tool is required (install Rust with rustup, Node.js with npm, and Go for the interop servers)" >&2; exit 1; }
done
export PATH="$HOME/.cargo/bin:$PATH"

# Chromium comes from apt, which needs no CPU; start it while cargo compiles.
apt_pid=""
if ! have chromium; then
  if have apt-get; then
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    step "installing Debian's chromium"
    ( $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >/dev/null ) &
    apt_pid=$!
  else
    echo "setup: chromium is needed for the browser tests; install it with your package manager" >&2
    exit 1
  fi
fi

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  step "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

# The shipped wasm is built with a dated nightly and std's sources (scripts/wasm-toolchain.sh).
source scripts/wasm-toolchain.sh
sysroot=$(rustup run "$PLAYTRACE_WASM_TOOLCHAIN" rustc --print sysroot 2>/dev/null || true)
if [ -z "$sysroot" ] || [ ! -d "$sysroot/lib/rustlib/src/rust/library" ] \
  || [ ! -d "$sysroot/lib/rustlib/wasm32-unknown-unknown" ]; then
  step "installing Rust $PLAYTRACE_WASM_TOOLCHAIN for the shipped wasm"
  rustup toolchain install "$PLAYTRACE_WASM_TOOLCHAIN" --profile minimal --component rust-src \
    --target wasm32-unknown-unknown --no-self-update
fi

# The lint suite needs clippy and rustfmt (absent from rustup's minimal profile).
for component in clippy rustfmt; do
  if ! cargo "${component/rustfmt/fmt}" --version >/dev/null 2>&1; then
    step "adding the $component component"
    rustup component add "$component"
  fi
done

# The CLI must match the wasm-bindgen crate exactly; read the version from Cargo.lock.
bindgen_version=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/[^0-9.]/, ""); print; exit }' Cargo.lock)
if [ "$(wasm-bindgen --version 2>/dev/null)" != "wasm-bindgen $bindgen_version" ]; then
  step "installing wasm-bindgen-cli $bindgen_version"
  cargo install wasm-bindgen-cli --version "$bindgen_version" --force
fi

# npm ci only when the lock file changed since the last install.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  step "installing npm packages"
  npm ci --no-audit --no-fund --loglevel=error
fi

if [ -n "$apt_pid" ]; then
  wait "$apt_pid" || { echo "setup: installing chromium failed" >&2; exit 1; }
fi
step "ready (rustc $(rustc --version | cut -d' ' -f2), $(wasm-bindgen --version), $(chromium --version 2>/dev/null | head -1))"
