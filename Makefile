# `make test` installs what is missing and runs every suite; the other targets run one.
.PHONY: test setup native browser e2e size

test:
	scripts/test.sh

setup:
	scripts/setup.sh

native browser e2e size:
	scripts/test.sh $@
