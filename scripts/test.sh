#!/usr/bin/env bash
# Runs the test suites named as arguments, or all of them:
#   lint     cargo fmt --check, and cargo clippy -D warnings for the native and wasm32 builds
#   native   core unit tests, property tests against opentelemetry-proto and the zipkin2 rules,
#            doc examples, and the devserver's receiver, store and query tests
#   browser  wasm-bindgen-test in headless Chromium
#   e2e      fetch/XHR instrumentation in headless Chromium (playwright-core) against local
#            echo servers
#   package  the npm tarball (make package) installed into fresh Vite 7, webpack 5, esbuild and
#            plain-page projects, built, loaded in headless Chromium and traced to a receiver
#   interop  real servers (scripts/interop-setup.sh builds and caches them): the OpenTelemetry
#            Collector receiving beacons across origins, Jaeger v2 behind it, a Zipkin server,
#            and a Go game server with the OpenTelemetry Go SDK behind playtrace's fetch
#   size     release build, gzipped size of everything shipped against the budget
# Installs whatever is missing first.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

suites=("$@")
[ ${#suites[@]} -gt 0 ] || suites=(lint native browser e2e package interop size)

scripts/setup.sh

# The interop servers build with Go while cargo works; the interop suite waits for them.
interop_pid=""
if [[ " ${suites[*]} " == *" interop "* ]]; then
  mkdir -p target
  # Its own process group, so a suite failing before it is waited for also stops its builds.
  setsid scripts/interop-setup.sh >target/interop.env 2>target/interop-setup.log &
  interop_pid=$!
  trap 'kill -- "-$interop_pid" 2>/dev/null || true' EXIT
fi

# A browser suite that hangs (a server that never answers, a process left running) fails
# after this long instead of holding CI until its own limit.
bounded() {
  local limit=$1
  shift
  timeout --kill-after=15 "$limit" "$@" || {
    local rc=$?
    [ "$rc" -ne 124 ] && [ "$rc" -ne 137 ] || echo "test: '$*' did not finish within $limit s" >&2
    return "$rc"
  }
}

for suite in "${suites[@]}"; do
  case "$suite" in
    lint)
      echo "== lint: rustfmt, clippy, and the hand-written JS type-checked"
      node_modules/.bin/tsc -p src/tsconfig.json
      cargo fmt --all --check
      cargo clippy --locked --workspace --all-targets -- -D warnings
      cargo clippy --locked --target wasm32-unknown-unknown --workspace --exclude playtrace-devserver --features playtrace-wasm/browser-tests --all-targets -- -D warnings
      # `make core-floor`'s crate compiles src/core behind its own boundary; kept compiling here.
      cargo clippy --locked --manifest-path bench/core-floor/Cargo.toml --target wasm32-unknown-unknown --features all-rules -- -D warnings
      ;;
    native)
      echo "== native tests: cargo test"
      cargo test --locked --workspace -- --show-output
      ;;
    browser)
      echo "== browser tests: wasm-bindgen-test in headless Chromium"
      # The test page is served by wasm-bindgen-test-runner and opened in Chromium by
      # playwright-core (scripts/browser-runner.mjs), through a proxy that gives each request a
      # connection of its own: loaded straight from the runner's server, the page waited
      # forever for some of its modules about one run in two on 2 cores (under ChromeDriver as
      # under playwright-core). Each run is bounded (PLAYTRACE_BROWSER_RUN_S, 120 s; it takes
      # 5-20 s). A run with no "test result:" line is run again, at most twice; a run in which
      # the tests ran and failed is a failure at once.
      mkdir -p target
      cargo test --locked --target wasm32-unknown-unknown -p playtrace-wasm --features browser-tests --test web --no-run
      for attempt in 1 2 3; do
        if CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER="node $PWD/scripts/browser-runner.mjs" \
          WASM_BINDGEN_TEST_TIMEOUT=${WASM_BINDGEN_TEST_TIMEOUT:-90} \
          cargo test --locked --target wasm32-unknown-unknown -p playtrace-wasm --features browser-tests --test web 2>&1 \
          | tee target/browser-tests.log; then
          break
        fi
        if grep -q "test result: " target/browser-tests.log || [ "$attempt" -eq 3 ]; then
          exit 1
        fi
        echo "browser: the test page never reported; running it again (attempt $((attempt + 1)))" >&2
      done
      ;;
    e2e)
      echo "== end-to-end: Chromium driven by playwright-core against local servers"
      scripts/build-demo.sh
      bounded 900 node --test --test-concurrency=1 tests/e2e/
      ;;
    package)
      echo "== the npm package in fresh Vite, webpack, esbuild and plain-page projects"
      tarball=$(scripts/package.sh | tail -1)
      PLAYTRACE_TARBALL="$tarball" bounded 1200 node --test --test-concurrency=1 tests/package/
      ;;
    interop)
      echo "== interop: a real OpenTelemetry Collector, Jaeger, Zipkin and a Go server with the OpenTelemetry SDK"
      [ -f pkg/playtrace.js ] || scripts/build-pkg.sh pkg
      if ! wait "$interop_pid"; then
        cat target/interop-setup.log >&2
        echo "interop: building the servers failed" >&2
        exit 1
      fi
      cat target/interop-setup.log
      bounded 1200 env $(cat target/interop.env) node --test --test-concurrency=1 tests/interop/
      ;;
    size)
      echo "== release build and size budget"
      scripts/size.sh
      echo "== TypeScript: the README example against the generated declarations"
      scripts/check-types.sh
      ;;
    *)
      echo "test: unknown suite '$suite' (lint, native, browser, e2e, package, interop, size)" >&2
      exit 2
      ;;
  esac
done
