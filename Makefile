# `make test` installs what is missing and runs every suite; the other targets run one.
.PHONY: test setup native browser size

test:
	scripts/test.sh

setup:
	scripts/setup.sh

native browser size:
	scripts/test.sh $@
