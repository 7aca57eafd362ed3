# `make demo` builds and serves the demo game with its dev backend; `make test` installs what
# is missing and runs every suite; the other targets run one.
.PHONY: test demo setup native browser e2e size

test:
	scripts/test.sh

demo:
	scripts/demo.sh

setup:
	scripts/setup.sh

native browser e2e size:
	scripts/test.sh $@
