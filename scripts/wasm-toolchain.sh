# The toolchain the shipped wasm is built with, sourced by the scripts that build it
# (build-pkg.sh; setup.sh installs it). A dated nightly, because two of its unstable options are
# worth 6.9 KB gzipped to every player: std is rebuilt with the engine (build-std), and panics
# abort at once (`-Cpanic=immediate-abort`) instead of formatting a message first, which takes
# `core::fmt` and std's panic texts out of the wasm. A panic was already a trap under
# `panic = "abort"`, so nothing a page sees changes. Everything else (tests, lint, the dev
# backend) builds with stable.
PLAYTRACE_WASM_TOOLCHAIN=nightly-2026-05-20

# cargo with that toolchain and those options, for the wasm32 target.
wasm_cargo() {
  RUSTUP_TOOLCHAIN=$PLAYTRACE_WASM_TOOLCHAIN CARGO_UNSTABLE_BUILD_STD=std,panic_abort \
    RUSTFLAGS="-Zunstable-options -Cpanic=immediate-abort" cargo "$@"
}
