# `make demo` builds and serves the demo game with its dev backend; `make test` installs what
# is missing and runs every suite; the other targets run one. `make bench` measures playtrace
# against OpenTelemetry JS in one headless Chromium run; `make devserver ORIGIN=...` runs the dev
# backend alone for a game served elsewhere; `make package` writes the npm tarball;
# `make core-floor` prints what the engine's rules alone weigh in a wasm.
.PHONY: test demo setup devserver package package-test lint native browser e2e interop size bench core-floor

test:
	scripts/test.sh

demo:
	scripts/demo.sh

setup:
	scripts/setup.sh

bench:
	scripts/bench.sh

core-floor:
	scripts/setup.sh >/dev/null && node bench/core-floor.mjs

# The dev backend alone, for any game: make devserver ORIGIN=http://localhost:5173
devserver:
	ORIGIN="$(ORIGIN)" scripts/devserver.sh

# The npm tarball, in target/package/
package:
	scripts/package.sh

lint native browser e2e interop size:
	scripts/test.sh $@

# The package suite alone (the target named package writes the tarball)
package-test:
	scripts/test.sh package
